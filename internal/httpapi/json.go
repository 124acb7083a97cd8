package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/certsum/certsum"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON is the one JSON writer: it encodes v, then sets Content-Type, Content-Length,
// X-Total-Count (when total >= 0) and the status, and writes the body. An encoding failure
// is returned before anything is written, so the caller can still answer with an error.
func writeJSON(w http.ResponseWriter, status int, v any, total int) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			bufPool.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false) // JSON for API clients, never embedded in HTML
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if total >= 0 {
		h.Set("X-Total-Count", strconv.Itoa(total))
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a failed write means the client is gone
	return nil
}

// writePage writes one page of a list: never null, X-Total-Count when the query asked for a
// count.
func writePage[T any](w http.ResponseWriter, p certsum.Page[T], q certsum.ListQuery) error {
	items := p.Items
	if items == nil {
		items = []T{}
	}
	total := -1
	if q.Count {
		total = p.Total
	}
	return writeJSON(w, http.StatusOK, items, total)
}

// decodeBody reads a JSON request body (bounded by limitBody) into dst, rejecting another
// Content-Type (415), a body past the bound (413), unknown fields, trailing data and a
// missing body. Every other failure is a CodeInvalid error marked as bad request content,
// with a message that says what is wrong and where.
func decodeBody(r *http.Request, dst any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if isTooLarge(err) {
			return tooLarge()
		}
		return asContent(bodyError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		if isTooLarge(err) {
			return tooLarge()
		}
		if err == nil {
			return asContent(certsum.Invalidf("body", "request body: unexpected data after the JSON value"))
		}
		return asContent(bodyError(err))
	}
	return nil
}

// bodyError explains a JSON decoding failure.
func bodyError(err error) error {
	var (
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return certsum.Invalidf("body", "request body is required")
	case errors.As(err, &tooLarge):
		return certsum.Invalidf("body", "request body exceeds %d bytes", tooLarge.Limit)
	case errors.As(err, &syntax):
		return certsum.Invalidf("body", "request body is not valid JSON at offset %d: %v", syntax.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return certsum.Invalidf("body", "request body ends in the middle of a JSON value")
	case errors.As(err, &typeErr):
		where := typeErr.Field
		if where == "" {
			where = "the body"
		}
		return certsum.Invalidf(typeErr.Field, "request body: %s must be %s, not %s", where, jsonKind(typeErr.Type), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json reports unknown fields only through this text.
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return certsum.Invalidf("body", "request body: unknown field %s", name)
	}
	return certsum.Invalidf("body", "request body: %v", err)
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "an object"
}
