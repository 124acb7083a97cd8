package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/certsum/certsum"
)

func TestTranslate(t *testing.T) {
	driver := errors.New("driver says no")
	for _, tc := range []struct {
		name  string
		err   error
		fault Fault
		want  certsum.Code
	}{
		{"no rows", driver, FaultNoRows, certsum.CodeNotFound},
		{"a unique violation", driver, FaultUnique, certsum.CodeConflict},
		{"a foreign-key violation", driver, FaultForeignKey, certsum.CodeReference},
		{"a check violation", driver, FaultConstraint, certsum.CodeInvalid},
		{"a busy database", driver, FaultBusy, certsum.CodeUnavailable},
		{"an unreachable database", driver, FaultUnavailable, certsum.CodeUnavailable},
		{"anything else", driver, FaultOther, certsum.CodeInternal},
		{"a certsum error", certsum.Conflictf("taken"), FaultForeignKey, certsum.CodeConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Translate(tc.err, tc.fault)
			if certsum.ErrorCode(got) != tc.want {
				t.Fatalf("Translate = %v (%s), want %s", got, certsum.ErrorCode(got), tc.want)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("the driver error is not the cause of %v", got)
			}
		})
	}
	if Translate(nil, FaultUnique) != nil {
		t.Error("Translate(nil) is not nil")
	}
	wrapped := fmt.Errorf("query: %w", context.Canceled)
	if got := Translate(wrapped, FaultUnavailable); got != wrapped {
		t.Errorf("a cancellation became %v", got)
	}
}
