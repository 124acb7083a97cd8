package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// SchemaParam is the certsum-specific DSN parameter that names the schema holding every
// table: schema=NAME sets the search_path of every pooled connection to NAME alone and
// creates the schema when it is missing. NAME is 1 to 63 lower-case letters, digits and
// underscores, not starting with a digit.
const SchemaParam = "schema"

// maxTxAttempts is how often a write transaction runs when PostgreSQL aborts it with a
// serialization failure or a deadlock. certsum's lock order (campaign, then certifications)
// rules deadlocks out among its own writes; the retry covers anything else sharing the
// database.
const maxTxAttempts = 4

// Options configures Open.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives migration, load and retry messages; discarded when nil.
	Logger *slog.Logger
	// ObserveTx, when set, sees every transaction (internal/metrics).
	ObserveTx sqlstore.TxObserver
}

// Store is a certsum.Store on one PostgreSQL database (or one schema of it). It is safe for
// concurrent use, and any number of Stores, in one process or many, may share the database.
type Store struct {
	core // the methods both backends share

	pool   *pgxpool.Pool
	now    func() time.Time
	log    *slog.Logger
	obs    sqlstore.TxObserver
	schema string // the schema= parameter, "" when the DSN did not set one
}

var _ certsum.Store = (*Store)(nil)

// Open connects to the PostgreSQL database named by dsn and applies every embedded migration
// it has not applied yet, exactly once even when several processes open the same database at
// the same moment. dsn is a pgx connection string (postgres://… or key=value, with libpq
// parameters and pgxpool's pool_* parameters) that may carry SchemaParam. Errors: invalid (a
// malformed DSN), unavailable (the database cannot be reached).
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, schema, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	s := &Store{now: opts.Now, log: opts.Logger, schema: schema, obs: opts.ObserveTx}
	s.core = core{B: backend{s: s}, W: writesIn}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", translate(err))
	}
	if err := s.migrate(ctx); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// parseDSN reads the pool configuration and takes SchemaParam out of it, turning it into the
// search_path of every connection. Connections also run in UTC.
func parseDSN(dsn string) (*pgxpool.Config, string, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, "", certsum.Invalidf("db", "the PostgreSQL DSN is empty")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn redacts the password in its parse errors.
		return nil, "", certsum.Invalidf("db", "the PostgreSQL DSN is invalid: %v", err)
	}
	rp := cfg.ConnConfig.RuntimeParams
	schema, hasSchema := rp[SchemaParam]
	if hasSchema {
		delete(rp, SchemaParam)
		if !validSchemaName(schema) {
			return nil, "", certsum.Invalidf("db", "the DSN parameter %s=%q is not a schema name of 1 to 63 lower-case letters, digits and underscores", SchemaParam, schema)
		}
		for k := range rp {
			if strings.EqualFold(k, "search_path") {
				return nil, "", certsum.Invalidf("db", "the DSN sets both %s and search_path; set one", SchemaParam)
			}
		}
		rp["search_path"] = quoteIdent(schema)
	}
	hasZone := false
	for k := range rp {
		if strings.EqualFold(k, "timezone") {
			hasZone = true
		}
	}
	if !hasZone {
		rp["TimeZone"] = "UTC"
	}
	return cfg, schema, nil
}

// validSchemaName reports whether s may be used as SchemaParam.
func validSchemaName(s string) bool {
	if len(s) == 0 || len(s) > 63 || ('0' <= s[0] && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Close closes the connection pool.
func (s *Store) Close() error {
	if s.pool != nil {
		s.pool.Close()
		s.pool = nil
	}
	return nil
}

// Pool returns the store's connection pool, for tools and tests that need to run their own
// SQL against the same database (benchmark set-up, drift injection). certsum's own code
// never uses it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the schema named by the DSN's SchemaParam, or "" when it named none.
func (s *Store) Schema() string { return s.schema }

// querier is what *pgxpool.Pool and pgx.Tx both offer; read helpers take it so that they run
// inside or outside a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// inTx runs fn in one READ COMMITTED transaction and commits when fn returns nil; any error
// rolls everything back. fn must take its row locks first (lockCampaign, lockCertification).
// A serialization failure or deadlock reruns fn from the start, up to maxTxAttempts times,
// so fn must only assign its results, never accumulate them across runs.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.runTx(ctx, pgx.TxOptions{}, fn)
		if err == nil || !retryable(err) || attempt >= maxTxAttempts || ctx.Err() != nil {
			break
		}
		s.log.Debug("retrying transaction", "attempt", attempt, "err", err)
	}
	return translate(err)
}

// inReadTx runs fn in one REPEATABLE READ, READ ONLY transaction, so that everything fn reads
// (a count and its page, a certification and its items) comes from one snapshot.
func (s *Store) inReadTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return translate(s.runTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn))
}

func (s *Store) runTx(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx) error) (err error) {
	defer func(start time.Time) { s.obs.Observe(opts.AccessMode != pgx.ReadOnly, start, translate(err)) }(time.Now())
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		// Roll back even when ctx is done, so the connection goes back to the pool clean.
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return tx.Commit(ctx)
}

// PoolStats reports the connection pool.
func (s *Store) PoolStats() sqlstore.PoolStats {
	st := s.pool.Stat()
	return sqlstore.PoolStats{Open: int(st.TotalConns()), InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()),
		Max: int(st.MaxConns()), Waits: st.EmptyAcquireCount(), WaitTime: st.EmptyAcquireWaitTime()}
}

// SQLSTATE codes certsum reacts to.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeCheckViolation       = "23514"
	codeNotNullViolation     = "23502"
	codeRestrictViolation    = "23001"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// retryable reports whether PostgreSQL aborted the transaction only because of a concurrent
// one, so that running it again can succeed.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected
	}
	return false
}

// translate turns driver errors into certsum errors by their SQLSTATE or type, never by
// message text, through sqlstore's one table: no rows → not_found, 23505 → conflict, 23503 →
// reference, 23502/23514 → invalid, serialization failures, deadlocks and connection
// failures → unavailable. certsum errors and context errors pass through untouched; anything
// else stays as it is and so counts as internal.
func translate(err error) error {
	return sqlstore.Translate(err, fault(err))
}

// fault classifies a PostgreSQL or connection error.
func fault(err error) sqlstore.Fault {
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.FaultNoRows
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case codeUniqueViolation:
			return sqlstore.FaultUnique
		case codeForeignKeyViolation:
			return sqlstore.FaultForeignKey
		case codeCheckViolation, codeNotNullViolation:
			return sqlstore.FaultConstraint
		case codeSerializationFailure, codeDeadlockDetected:
			return sqlstore.FaultBusy
		}
		switch pe.Code[:2] {
		case "08", "53", "57": // connection exception, insufficient resources, operator intervention
			return sqlstore.FaultUnavailable
		}
		return sqlstore.FaultOther
	}
	var ne net.Error
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || errors.As(err, &ne) || pgconn.SafeToRetry(err) {
		return sqlstore.FaultUnavailable
	}
	return sqlstore.FaultOther
}

// stamp returns the current time as certsum stores it.
func (s *Store) stamp() certsum.Time { return certsum.NewTime(s.now()) }

// Health returns an unavailable error when the database cannot be reached or cannot answer
// a read of certsum's schema now.
func (s *Store) Health(ctx context.Context) error {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		err = translate(err)
		if certsum.ErrorCode(err) == certsum.CodeInternal {
			return &certsum.Error{Code: certsum.CodeUnavailable, Message: "the database cannot be read", Cause: err}
		}
		return err
	}
	return nil
}
