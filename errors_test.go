package certsum_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/certsum/certsum"
)

func TestErrorCodeFindsTheCodeThroughWrapping(t *testing.T) {
	base := certsum.NotFoundf("certification %q not found", "x")
	wrapped := fmt.Errorf("get certification: %w", base)
	if got := certsum.ErrorCode(wrapped); got != certsum.CodeNotFound {
		t.Fatalf("ErrorCode = %q, want not_found", got)
	}
	if got := certsum.ErrorText(wrapped); got != `certification "x" not found` {
		t.Fatalf("ErrorText = %q", got)
	}
}

func TestErrorCodeCallsUnknownErrorsInternalAndHidesTheirText(t *testing.T) {
	err := errors.New("driver: connection reset by peer at 10.0.0.1")
	if got := certsum.ErrorCode(err); got != certsum.CodeInternal {
		t.Fatalf("ErrorCode = %q, want internal", got)
	}
	if got := certsum.ErrorText(err); got != "An internal fault occurred." {
		t.Fatalf("ErrorText leaks %q", got)
	}
	if certsum.ErrorCode(nil) != "" {
		t.Fatal("ErrorCode(nil) must be empty")
	}
}

func TestErrorMessageIncludesTheCause(t *testing.T) {
	err := &certsum.Error{Code: certsum.CodeInvalid, Message: "bad body", Cause: errors.New("unexpected EOF")}
	if err.Error() != "bad body: unexpected EOF" {
		t.Fatalf("Error() = %q", err.Error())
	}
	if !errors.Is(err, err.Cause) {
		t.Fatal("Unwrap must expose the cause")
	}
}
