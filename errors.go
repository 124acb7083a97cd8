package certsum

import (
	"errors"
	"fmt"
)

// Code is one of the closed set of error codes every certsum layer speaks.
type Code string

// Error codes. The HTTP layer owns the only table that maps them to statuses.
const (
	CodeInvalid         Code = "invalid"         // bad argument or body; HTTP 400
	CodeNotFound        Code = "not_found"       // unknown resource in the path; HTTP 404
	CodeReference       Code = "reference"       // a referenced object in a body does not exist; HTTP 400 (400.1.404)
	CodeConflict        Code = "conflict"        // wrong state or duplicate; HTTP 400 (400.1 Bad Request Content)
	CodeUnauthenticated Code = "unauthenticated" // missing or bad credentials; HTTP 401
	CodeForbidden       Code = "forbidden"       // authenticated but not allowed; HTTP 403
	CodeRateLimited     Code = "rate_limited"    // over the rate limit; HTTP 429
	CodeUnavailable     Code = "unavailable"     // dependency down; HTTP 503
	CodeInternal        Code = "internal"        // anything unexpected; HTTP 500
)

// Error is certsum's one error type. Field names the offending parameter or attribute when
// there is one. Status, DetailCode and TrackingID are filled by the client package from an
// HTTP error response; servers leave them empty.
type Error struct {
	Code    Code
	Message string
	Field   string
	Cause   error

	Status     int
	DetailCode string
	TrackingID string
}

// Error returns the message, with the cause when there is one.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = string(e.Code)
	}
	if e.Cause != nil {
		return msg + ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns a CodeInvalid error about the named field (which may be empty).
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf returns a CodeNotFound error.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflictf returns a CodeConflict error: the request is well-formed but the resource is in
// the wrong state for it.
func Conflictf(format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, CodeInternal for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorText returns the message of the first *Error in err's chain, or a generic text for
// any other error so that internals never leak.
func ErrorText(err error) string {
	var e *Error
	if errors.As(err, &e) {
		if e.Message != "" {
			return e.Message
		}
		return string(e.Code)
	}
	return "An internal fault occurred."
}
