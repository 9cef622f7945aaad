package store

import (
	"context"
	"database/sql"
)

// The crisis generation (migration 0007): a counter that changes with
// every write the crisis query's answer depends on. Triggers bump it for
// the tables the query joins (organisations, products, versions, stored
// dossier facts, labels); the findings are written only by CommitRematch,
// which bumps it once, as the last statement of its transaction (a
// trigger per finding row would cost the first full re-match a write per
// finding, and an early bump would hold the counter's row lock, on
// PostgreSQL, for the whole commit).

// bumpCrisis moves the crisis generation on inside tx, so the change is
// seen together with the findings the transaction writes.
func (s *DB) bumpCrisis(ctx context.Context, tx *sql.Tx) error {
	_, err := s.exec(ctx, tx, `UPDATE crisis_generation SET n = n + 1 WHERE id = 1`)
	return err
}

// CrisisGen is the crisis generation: N moves with every write the crisis
// query's answer depends on, Catalog only with writes to what it joins
// (organisations, products, versions, stored facts, labels), not with the
// findings.
type CrisisGen struct {
	N, Catalog int64
}

// CrisisGeneration returns the crisis generation: an answer computed from
// reads made after this call stays true while N is the same (the counter
// is read first, then the data, so a write between the two is seen by the
// next call as a new number); version rows, components and dependency
// paths read after it stay true while Catalog is the same.
func (s *DB) CrisisGeneration(ctx context.Context) (CrisisGen, error) {
	var g CrisisGen
	err := s.db.QueryRowContext(ctx, `SELECT n, catalog FROM crisis_generation WHERE id = 1`).Scan(&g.N, &g.Catalog)
	return g, err
}
