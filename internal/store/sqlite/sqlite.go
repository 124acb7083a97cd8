package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// busyTimeout is how long a connection waits for another process's write lock before it
// gives up with SQLITE_BUSY. Writers of this process never wait on each other: they queue
// for the single writer connection instead.
const busyTimeout = 10 * time.Second

// cacheKiB is the page cache of every connection.
const cacheKiB = 32 << 10

// Options configures Open.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives migration and load messages; discarded when nil.
	Logger *slog.Logger
	// AllowSharedFile lets Open use a database file (or its -wal or -shm) that users other
	// than its owner may read or write. By default Open refuses it: the file holds every
	// decision and the hashes of every client secret.
	AllowSharedFile bool
	// ObserveTx, when set, sees every transaction (internal/metrics).
	ObserveTx sqlstore.TxObserver
}

// Store is a certsum.Store on one SQLite file. It is safe for concurrent use.
type Store struct {
	core // the methods both backends share

	read  *sql.DB // pool of read-only connections
	write *sql.DB // exactly one connection; every transaction begins IMMEDIATE
	now   func() time.Time
	log   *slog.Logger
	obs   sqlstore.TxObserver

	// The background checkpointer (checkpoint.go); nil for an in-memory database.
	ckpt    *sql.DB
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	// onCheckpoint, when set (by tests), sees every checkpoint's outcome.
	onCheckpoint atomic.Pointer[func(mode string, frames, done int)]

	// shm is the process's descriptor of the database's "-shm" file (shared with every other
	// Store of this process on the same file, see shmFiles), through which change marks map
	// the wal-index header; shmPath names it once this store holds a reference. See
	// openWALIndex for why no descriptor of a file SQLite locks may be closed while SQLite has
	// it open.
	shmMu   sync.Mutex
	shm     *os.File
	shmPath string

	// lastFault is the last I/O fault an operation saw (see Health).
	lastFault atomic.Pointer[fault]
}

var _ certsum.Store = (*Store)(nil)

// Open opens (creating when missing) the SQLite database at path and applies every embedded
// migration it has not applied yet. path is a file name, or ":memory:" for a private
// in-memory database served by a single connection.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, certsum.Invalidf("db", "the SQLite database path is empty")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, certsum.Invalidf("db", "the SQLite database path %q must not contain '?' or '#'", path)
	}
	if path != ":memory:" {
		if err := prepareFile(path, opts.AllowSharedFile); err != nil {
			return nil, err
		}
	}
	s := &Store{now: opts.Now, log: opts.Logger, obs: opts.ObserveTx}
	s.core = core{B: backend{s: s}, W: writesIn}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	pragmas := url.Values{}
	pragmas.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	pragmas.Add("_pragma", "foreign_keys(1)")
	pragmas.Add("_pragma", "synchronous(NORMAL)")
	pragmas.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheKiB))
	pragmas.Add("_pragma", "temp_store(MEMORY)")
	if path == ":memory:" {
		db, err := sql.Open("sqlite", path+"?"+pragmas.Encode()+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		s.read, s.write = db, db
	} else {
		pragmas.Add("_pragma", "journal_mode(WAL)")
		pragmas.Add("_pragma", "wal_autocheckpoint(0)") // the checkpointer does it (checkpoint.go)
		pragmas.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", walSizeLimit))
		w, err := sql.Open("sqlite", path+"?"+pragmas.Encode()+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		// The writer connects first so that the file is in WAL mode before any reader opens it.
		if err := w.PingContext(ctx); err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("open %s: %w", path, s.translate(err))
		}
		r, err := sql.Open("sqlite", path+"?"+pragmas.Encode()+"&_query_only=1")
		if err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		n := max(4, runtime.GOMAXPROCS(0))
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		s.read, s.write = r, w
		if err := s.startCheckpointer(path + "?" + pragmas.Encode()); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the checkpointer, checkpoints the WAL and closes the connection pools.
func (s *Store) Close() error {
	var errs []error
	errs = append(errs, s.stopCheckpointer())
	if s.read != nil && s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	s.read, s.write = nil, nil
	// Only now, with this store's connections closed, may it give up its reference to the
	// -shm descriptor; the descriptor itself closes with the last Store of the process.
	s.shmMu.Lock()
	if s.shm != nil {
		errs = append(errs, shmFiles.release(s.shmPath))
		s.shm, s.shmPath = nil, ""
	}
	s.shmMu.Unlock()
	return errors.Join(errs...)
}

// shmFile returns the process's descriptor of the "-shm" file of the database at path,
// taking this store's reference to it the first time. It is never closed before the store is.
func (s *Store) shmFile(path string) (*os.File, error) {
	s.shmMu.Lock()
	defer s.shmMu.Unlock()
	if s.shm == nil {
		p := filepath.Clean(path + "-shm")
		f, err := shmFiles.acquire(p)
		if err != nil {
			return nil, err
		}
		s.shm, s.shmPath = f, p
	}
	return s.shm, nil
}

// shmFiles holds one descriptor per -shm file for the whole process, counted by the Stores
// that use it. POSIX locks belong to the process: a Store closing its own descriptor would
// drop the locks that SQLite holds for every other Store of this process on the same file.
// The descriptor is closed when the last of those Stores has closed its connections.
var shmFiles = &shmRegistry{files: map[string]*shmRef{}}

type shmRegistry struct {
	mu    sync.Mutex
	files map[string]*shmRef
}

type shmRef struct {
	f    *os.File
	refs int
}

func (r *shmRegistry) acquire(path string) (*os.File, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ref := r.files[path]; ref != nil {
		ref.refs++
		return ref.f, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r.files[path] = &shmRef{f: f, refs: 1}
	return f, nil
}

func (r *shmRegistry) release(path string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ref := r.files[path]
	if ref == nil {
		return nil
	}
	if ref.refs--; ref.refs > 0 {
		return nil
	}
	delete(r.files, path)
	return ref.f.Close()
}

// inTx runs fn in one IMMEDIATE transaction on the writer connection and commits when fn
// returns nil; any error rolls everything back. It is the only way this package writes.
// Bulk loads pass a connSetup: PRAGMAs that only take effect outside a transaction, run on
// the same connection before it begins and undone after it ends.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error, setup ...connSetup) (err error) {
	defer func(start time.Time) { s.obs.Observe(true, start, err) }(time.Now())
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return s.translate(err)
	}
	defer conn.Close()
	for _, su := range setup {
		for _, p := range su.before {
			if _, err := conn.ExecContext(ctx, p); err != nil {
				return fmt.Errorf("%s: %w", p, s.translate(err))
			}
		}
		defer func() {
			for _, p := range su.after {
				// Run even when ctx is done: the connection goes back to the pool.
				if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), p); rerr != nil && err == nil {
					err = fmt.Errorf("%s: %w", p, s.translate(rerr))
				}
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return s.translate(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.translate(err)
	}
	if err := tx.Commit(); err != nil {
		return s.translate(err)
	}
	s.wrote()
	return nil
}

// connSetup is a list of statements run on the writer connection around one transaction.
type connSetup struct {
	before, after []string
}

// inReadTx runs fn in one read transaction, so that everything fn reads comes from one
// snapshot of the database.
func (s *Store) inReadTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	defer func(start time.Time) { s.obs.Observe(false, start, err) }(time.Now())
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.translate(err)
	}
	defer func() { _ = tx.Rollback() }()
	return s.translate(fn(tx))
}

// PoolStats reports the reader pool and the one writer connection together.
func (s *Store) PoolStats() sqlstore.PoolStats {
	var out sqlstore.PoolStats
	for _, db := range []*sql.DB{s.read, s.write} {
		st := db.Stats()
		out.Open += st.OpenConnections
		out.InUse += st.InUse
		out.Idle += st.Idle
		out.Max += st.MaxOpenConnections
		out.Waits += st.WaitCount
		out.WaitTime += st.WaitDuration
	}
	return out
}

// migrate applies every embedded migration not yet recorded in schema_migrations, in
// number order, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name    TEXT NOT NULL,
		applied TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", s.translate(err))
	}
	ms, err := sqlstore.Migrations(migrationFS)
	if err != nil {
		return err
	}
	for _, m := range ms {
		applied := false
		// A migration that rebuilds a table others refer to asks for foreign keys off (its
		// first line): SQLite can change such a table only by copying it. Every key is
		// checked before the migration commits, so it cannot leave a dangling reference.
		var setup []connSetup
		fkOff := strings.HasPrefix(m.Body, foreignKeysOff)
		if fkOff {
			setup = append(setup, connSetup{before: []string{"PRAGMA foreign_keys = OFF"}, after: []string{"PRAGMA foreign_keys = ON"}})
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.Body); err != nil {
				return err
			}
			if fkOff {
				if err := foreignKeyCheck(ctx, tx); err != nil {
					return err
				}
			}
			applied = true
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
				m.Version, m.Name, certsum.NewTime(s.now()).String())
			return err
		}, setup...)
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", m.Name, err)
		}
		if applied {
			s.log.Info("applied migration", "migration", m.Name)
		}
	}
	return nil
}

// foreignKeysOff is the first line of a migration that runs with foreign keys off.
const foreignKeysOff = "-- certsum: foreign keys off\n"

// foreignKeyCheck fails when any foreign key of the database names a missing row.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("a row of %s refers to a missing row of %s", table, parent)
	}
	return rows.Err()
}

// translate is classify for this store's operations: it also records I/O faults, so that
// Health reports them.
func (s *Store) translate(err error) error {
	err = classify(err)
	if err != nil && ioFault(err) {
		s.lastFault.Store(&fault{at: s.now(), err: err})
	}
	return err
}

// fault is an I/O fault the store saw, and when.
type fault struct {
	at  time.Time
	err error
}

// ioFault reports whether err is SQLite's word that the file could not be read or written
// as it must be: an I/O error, a full disk, a file it cannot open or write, or a damaged
// file. Such a store is not fit to serve until the fault is gone.
func ioFault(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// Health returns an unavailable error when the store saw an I/O fault in the last
// certsum.HealthFaultWindow, or when a read on each pool fails now.
func (s *Store) Health(ctx context.Context) error {
	if f := s.lastFault.Load(); f != nil && s.now().Sub(f.at) < certsum.HealthFaultWindow {
		return &certsum.Error{Code: certsum.CodeUnavailable, Message: "the database reported an I/O fault at " +
			certsum.NewTime(f.at).String(), Cause: f.err}
	}
	if s.read == nil {
		return certsum.Errorf(certsum.CodeUnavailable, "the store is closed")
	}
	for _, db := range []*sql.DB{s.read, s.write} {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			err = s.translate(err)
			if certsum.ErrorCode(err) == certsum.CodeInternal {
				return &certsum.Error{Code: certsum.CodeUnavailable, Message: "the database cannot be read", Cause: err}
			}
			return err
		}
	}
	return nil
}

// classify turns driver errors into certsum errors by their SQLite result code (never by
// message text), through sqlstore's one table: a constraint violation, a busy database, a
// database that cannot be read or written (I/O error, full disk, read-only file) each get
// the code both backends give them; anything else stays as it is and so counts as internal.
func classify(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.Translate(err, sqlstore.FaultNoRows)
	}
	return sqlstore.Translate(err, faultOf(err))
}

// faultOf classifies a SQLite error by its result code.
func faultOf(err error) sqlstore.Fault {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return sqlstore.FaultOther
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return sqlstore.FaultUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlstore.FaultForeignKey
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return sqlstore.FaultConstraint
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return sqlstore.FaultBusy
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY:
		return sqlstore.FaultUnavailable
	}
	return sqlstore.FaultOther
}

// querier is what both *sql.DB and *sql.Tx offer; read helpers take it so that they run
// inside or outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stamp returns the current time as certsum stores it.
func (s *Store) stamp() certsum.Time { return certsum.NewTime(s.now()) }
