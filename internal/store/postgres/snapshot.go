package postgres

import (
	"context"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// This file implements certsum.SnapshotReader: the bulk reads of the in-memory read model
// (internal/readmodel). PostgreSQL offers it no change mark (a WAL position advances before
// the commit it records becomes visible, so equal positions would not prove that nothing
// was committed in between); the model proves itself current with a version read instead.

var _ certsum.SnapshotReader = (*Store)(nil)

// OpenChangeMark returns nil: PostgreSQL has no change mark that proves an absence of commits
// cheaply, so the read model checks the certification's version on every read.
func (s *Store) OpenChangeMark(context.Context) (certsum.ChangeMark, error) { return nil, nil }

// streamItemsSQL reads every review item of a certification.
var streamItemsSQL = sqlstore.ItemRecordSelect(dialect{}) + ` WHERE i.cert_id = $1`

// StreamItems calls fn for every review item of the certification (sqlstore.ItemStreamer).
func (backend) StreamItems(ctx context.Context, q sqlstore.Querier, cert any, _ int, fn func(certsum.ItemRecord) error) error {
	rows, err := q.Query(ctx, streamItemsSQL, cert)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		it, err := sqlstore.ScanItemRecord(rows)
		if err != nil {
			return err
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return rows.Err()
}
