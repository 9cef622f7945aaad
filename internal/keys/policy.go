package keys

import (
	"fmt"
	"slices"
)

// TrustedWitness is a witness (cosigner) a verifier accepts cosignatures
// from: its cosigner name, its C2SP verifier keys (type 0x04 Ed25519 and/or
// 0x06 ML-DSA-44, all under that name) and, for logs that submit
// checkpoints to it, the submission prefix URL. A checkpoint counts as
// cosigned by the witness only when every listed key has a valid
// cosignature on it.
type TrustedWitness struct {
	Name  string   `json:"name"`
	VKeys []string `json:"vkeys"`
	URL   string   `json:"url,omitempty"`

	keys []*VKey
}

// Keys returns the parsed verifier keys (after ParseTrust or AddWitness).
func (w *TrustedWitness) Keys() []*VKey { return w.keys }

// WitnessPolicy is the quorum a checkpoint must meet, in the manner of a
// C2SP/Sigsum policy file's "group N member…" plus "quorum" lines: at least
// Quorum of the named witnesses (all of the trust file's witnesses when
// Witnesses is empty) must have cosigned it.
type WitnessPolicy struct {
	Quorum    int      `json:"quorum"`
	Witnesses []string `json:"witnesses,omitempty"`
}

// NewTrustedWitness builds a trusted witness from verifier-key strings,
// checking that each parses, uses a cosignature type and carries the name.
func NewTrustedWitness(name, url string, vkeys []string) (*TrustedWitness, error) {
	w := &TrustedWitness{Name: name, VKeys: vkeys, URL: url}
	return w, w.parse()
}

func (w *TrustedWitness) parse() error {
	if err := CheckKeyName(w.Name); err != nil {
		return fmt.Errorf("/name: %w", err)
	}
	if len(w.VKeys) == 0 {
		return fmt.Errorf("/vkeys: witness %q has no verifier key", w.Name)
	}
	w.keys = w.keys[:0]
	for i, s := range w.VKeys {
		v, err := ParseVKey(s)
		if err != nil {
			return fmt.Errorf("/vkeys/%d: %w", i, err)
		}
		if v.Name != w.Name {
			return fmt.Errorf("/vkeys/%d: key name %q is not the witness name %q", i, v.Name, w.Name)
		}
		if v.Type != NoteCosigEd25519 && v.Type != NoteCosigMLDSA44 {
			return fmt.Errorf("/vkeys/%d: signature type 0x%02x is not a cosignature type (want 0x04 or 0x06)", i, v.Type)
		}
		w.keys = append(w.keys, v)
	}
	return nil
}

// checkWitnesses validates the witnesses and the policy of a parsed file.
func (t *Trust) checkWitnesses(file string) error {
	seen := map[string]bool{}
	for i := range t.Witnesses {
		w := &t.Witnesses[i]
		if err := w.parse(); err != nil {
			return fmt.Errorf("%s: /witnesses/%d%v", file, i, err)
		}
		if seen[w.Name] {
			return fmt.Errorf("%s: /witnesses/%d/name %q is listed twice", file, i, w.Name)
		}
		seen[w.Name] = true
	}
	if t.WitnessPolicy == nil {
		return nil
	}
	if err := t.checkPolicy(t.WitnessPolicy); err != nil {
		return fmt.Errorf("%s: /witnessPolicy/%v", file, err)
	}
	return nil
}

func (t *Trust) checkPolicy(p *WitnessPolicy) error {
	for i, n := range p.Witnesses {
		if t.Witness(n) == nil {
			return fmt.Errorf("witnesses/%d: no witness %q in /witnesses", i, n)
		}
		if slices.Index(p.Witnesses, n) != i {
			return fmt.Errorf("witnesses/%d: %q is listed twice", i, n)
		}
	}
	if n := len(t.PolicyWitnesses()); p.Quorum < 1 || p.Quorum > n {
		return fmt.Errorf("quorum %d: want 1..%d (the number of policy witnesses)", p.Quorum, n)
	}
	return nil
}

// Witness returns the trusted witness of a name, or nil.
func (t *Trust) Witness(name string) *TrustedWitness {
	for i := range t.Witnesses {
		if t.Witnesses[i].Name == name {
			return &t.Witnesses[i]
		}
	}
	return nil
}

// WitnessByURL returns the trusted witness with a submission URL, or nil.
func (t *Trust) WitnessByURL(url string) *TrustedWitness {
	for i := range t.Witnesses {
		if t.Witnesses[i].URL == url {
			return &t.Witnesses[i]
		}
	}
	return nil
}

// PolicyWitnesses returns the witnesses the policy counts: those it names,
// or every trusted witness when it names none (or there is no policy).
func (t *Trust) PolicyWitnesses() []*TrustedWitness {
	var out []*TrustedWitness
	for i := range t.Witnesses {
		w := &t.Witnesses[i]
		if t.WitnessPolicy == nil || len(t.WitnessPolicy.Witnesses) == 0 || slices.Contains(t.WitnessPolicy.Witnesses, w.Name) {
			out = append(out, w)
		}
	}
	return out
}

// AddWitness adds a witness, or replaces the one of the same name when
// replace is set.
func (t *Trust) AddWitness(w *TrustedWitness, replace bool) error {
	if err := w.parse(); err != nil {
		return fmt.Errorf("witness%v", err)
	}
	if old := t.Witness(w.Name); old != nil {
		if !replace {
			return fmt.Errorf("witness %q is already in the trust file (use --replace to change it)", w.Name)
		}
		*old = *w
		return nil
	}
	t.Witnesses = append(t.Witnesses, *w)
	return nil
}

// SetWitnessPolicy sets the quorum: at least quorum of the named witnesses
// (all trusted witnesses when names is empty) must cosign a checkpoint. The
// trust file becomes version 2.
func (t *Trust) SetWitnessPolicy(quorum int, names []string) error {
	p := &WitnessPolicy{Quorum: quorum, Witnesses: names}
	old := t.WitnessPolicy
	t.WitnessPolicy = p
	if err := t.checkPolicy(p); err != nil {
		t.WitnessPolicy = old
		return fmt.Errorf("witness policy: %v", err)
	}
	t.Version = TrustVersionWitnessed
	return nil
}
