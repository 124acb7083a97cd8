package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpointing. SQLite's automatic checkpoint runs inside the commit that crosses its
// threshold, so every few writes one request would pay for copying the WAL into the database
// and syncing it to disk — several times the cost of a 250-item decide. The writer therefore
// never checkpoints itself (wal_autocheckpoint(0)); a background goroutine runs PASSIVE
// checkpoints on a connection of its own soon after writes commit. PASSIVE checkpoints wait
// for neither readers nor the writer.

const (
	// checkpointDelay is how long the checkpointer lets commits gather before it runs.
	checkpointDelay = 200 * time.Millisecond
	// walSizeLimit is the size the WAL file is truncated to when SQLite restarts it.
	walSizeLimit = 64 << 20
)

// startCheckpointer opens the checkpoint connection and starts the loop.
func (s *Store) startCheckpointer(dsn string) error {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s.ckpt = db
	s.kick = make(chan struct{}, 1)
	s.stop = make(chan struct{})
	s.stopped = make(chan struct{})
	go s.checkpointLoop()
	return nil
}

// wrote tells the checkpointer that a write committed.
func (s *Store) wrote() {
	if s.kick == nil {
		return
	}
	select {
	case s.kick <- struct{}{}:
	default: // a checkpoint is already due
	}
}

func (s *Store) checkpointLoop() {
	defer close(s.stopped)
	timer := time.NewTimer(checkpointDelay)
	timer.Stop()
	for {
		select {
		case <-s.stop:
			timer.Stop()
			return
		case <-s.kick:
			timer.Reset(checkpointDelay)
			select {
			case <-s.stop:
				timer.Stop()
				return
			case <-timer.C:
			}
			s.checkpoint(context.Background(), "PASSIVE")
		}
	}
}

// checkpoint runs one checkpoint of the given mode (PASSIVE or TRUNCATE) and logs failures;
// a checkpoint that cannot finish now simply leaves frames for the next one.
func (s *Store) checkpoint(ctx context.Context, mode string) {
	var busy, frames, done int
	if err := s.ckpt.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &frames, &done); err != nil {
		s.log.Warn("WAL checkpoint failed", "mode", mode, "err", err)
		return
	}
	s.log.Debug("WAL checkpoint", "mode", mode, "frames", frames, "checkpointed", done, "busy", busy == 1)
	if hook := s.onCheckpoint.Load(); hook != nil {
		(*hook)(mode, frames, done)
	}
}

// stopCheckpointer stops the loop and checkpoints what is left, truncating the WAL.
func (s *Store) stopCheckpointer() error {
	if s.ckpt == nil {
		return nil
	}
	close(s.stop)
	<-s.stopped
	s.checkpoint(context.Background(), "TRUNCATE")
	err := s.ckpt.Close()
	s.ckpt = nil
	return err
}
