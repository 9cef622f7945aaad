package registry

import (
	"context"
	"fmt"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/tlog"
	"github.com/dualmark/dualmark/internal/witness"
)

// cosign asks the configured witnesses to cosign the checkpoint of a new
// label's bundle, puts the cosignatures into the bundle and publishes the
// cosigned checkpoint in the log directory (tlog.CosignedCheckpointFile,
// served under /log/). Without configured witnesses it does nothing. The
// trust file is read on every issuance, so an operator may add witnesses
// without a restart.
func (s *Server) cosign(ctx context.Context, b *label.Bundle) ([]witness.Outcome, error) {
	if len(s.cfg.Witnesses) == 0 {
		return nil, nil
	}
	tr, err := keys.LoadTrust(s.cfg.WitnessTrust)
	if err != nil {
		return nil, fmt.Errorf("witness trust file: %w", err)
	}
	eps, err := witness.EndpointsFromTrust(tr, s.cfg.Witnesses)
	if err != nil {
		return nil, fmt.Errorf("witness trust file %s: %w", s.cfg.WitnessTrust, err)
	}
	quorum := len(eps)
	if tr.WitnessPolicy != nil && tr.WitnessPolicy.Quorum > 0 {
		quorum = tr.WitnessPolicy.Quorum
	}
	// witness.Client bounds the attempts per witness (its defaults), so a
	// witness that is down delays this issuance by a bounded time and
	// nothing else: the others are asked in parallel.
	c := &witness.Client{Backoff: s.cfg.WitnessBackoff}
	s.witnessMu.Lock() // one bundle moves the witnesses at a time
	defer s.witnessMu.Unlock()
	outs, err := label.Witness(ctx, b, tlog.NewReader(s.logDir), c, eps, quorum)
	if err != nil {
		return nil, fmt.Errorf("asking the witnesses: %w", err)
	}
	if _, err := tlog.PublishCosigned(s.logDir, []byte(b.Log.Checkpoint)); err != nil {
		return nil, fmt.Errorf("publishing the cosigned checkpoint: %w", err)
	}
	for _, o := range outs {
		if !o.Cosigned {
			s.log.Warn("witness did not cosign", "witness", o.Witness, "url", o.URL, "attempts", o.Attempts, "error", o.Error)
		}
	}
	return outs, nil
}
