package sqlstore

import (
	"context"
	"fmt"

	"github.com/certsum/certsum"
)

// Dashboard sessions (certsum.SessionStore).

// CreateSession stores a new session and removes those that expired before now, so the
// table holds only live sessions and the ones idle since.
func (c *Core[K]) CreateSession(ctx context.Context, s certsum.UISession, now certsum.Time) error {
	dl := c.B
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		if _, err := tx.Exec(ctx, `DELETE FROM ui_sessions WHERE expires < `+dl.Param(1), dl.TimeArg(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO ui_sessions (id_hash, token, csrf, expires, last_seen) VALUES (`+Params(dl, 1, 5)+`)`,
			s.IDHash, s.Token, s.CSRF, dl.TimeArg(s.Expires), dl.TimeArg(s.LastSeen))
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// GetSession returns a session. Errors: not_found.
func (c *Core[K]) GetSession(ctx context.Context, idHash string) (*certsum.UISession, error) {
	dl := c.B
	s := certsum.UISession{IDHash: idHash}
	found, err := QueryRow(ctx, dl.Read(), `SELECT token, csrf, expires, last_seen FROM ui_sessions WHERE id_hash = `+dl.Param(1),
		[]any{idHash}, &s.Token, &s.CSRF, dl.Time(&s.Expires), dl.Time(&s.LastSeen))
	if err != nil {
		return nil, fmt.Errorf("get session: %w", c.B.Translate(err))
	}
	if !found {
		return nil, certsum.NotFoundf("no such session")
	}
	return &s, nil
}

// TouchSession records that a session was used at seen.
func (c *Core[K]) TouchSession(ctx context.Context, idHash string, seen certsum.Time) error {
	dl := c.B
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		_, err := tx.Exec(ctx, `UPDATE ui_sessions SET last_seen = `+dl.Param(1)+` WHERE id_hash = `+dl.Param(2),
			dl.TimeArg(seen), idHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession removes a session; an unknown one is no error.
func (c *Core[K]) DeleteSession(ctx context.Context, idHash string) error {
	dl := c.B
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		_, err := tx.Exec(ctx, `DELETE FROM ui_sessions WHERE id_hash = `+dl.Param(1), idHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
