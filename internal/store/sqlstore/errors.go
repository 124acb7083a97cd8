package sqlstore

import (
	"context"
	"errors"

	"github.com/certsum/certsum"
)

// Fault is a class of driver failure, named the same way for every SQL dialect. A backend
// classifies its driver's error codes into a Fault (never by message text) and Translate
// does the rest.
type Fault int

// Faults.
const (
	// FaultOther is any failure certsum has no code for: it stays internal.
	FaultOther Fault = iota
	// FaultNoRows is a read that found nothing.
	FaultNoRows
	// FaultUnique is a unique or primary-key violation: the object exists already.
	FaultUnique
	// FaultForeignKey is a foreign-key violation: a referenced object does not exist.
	FaultForeignKey
	// FaultConstraint is a check or not-null violation: a value is not allowed.
	FaultConstraint
	// FaultBusy is lock contention, a serialization failure or a deadlock: retry later.
	FaultBusy
	// FaultUnavailable is a database that cannot be reached, read or written (connection
	// lost, I/O error, disk full, read-only file): retry later.
	FaultUnavailable
)

// faults is the one table from a Fault to certsum's code and message.
var faults = map[Fault]struct {
	code certsum.Code
	msg  string
}{
	FaultNoRows:      {certsum.CodeNotFound, "not found"},
	FaultUnique:      {certsum.CodeConflict, "an object with this id already exists"},
	FaultForeignKey:  {certsum.CodeReference, "a referenced object does not exist"},
	FaultConstraint:  {certsum.CodeInvalid, "a value is not allowed"},
	FaultBusy:        {certsum.CodeUnavailable, "the database is busy; retry later"},
	FaultUnavailable: {certsum.CodeUnavailable, "the database cannot be reached, read or written; retry later"},
}

// Translate turns a driver error that a backend classified as f into a certsum error with the
// driver error as its cause. certsum errors and context cancellations pass through untouched,
// and so does a FaultOther error (it counts as internal).
func Translate(err error, f Fault) error {
	if err == nil {
		return nil
	}
	var ce *certsum.Error
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	t, ok := faults[f]
	if !ok {
		return err
	}
	return &certsum.Error{Code: t.code, Message: t.msg, Cause: err}
}
