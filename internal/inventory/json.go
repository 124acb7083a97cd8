// Package inventory reads the inventory an organisation imports (docs/import.md) — one JSON
// document, or a directory with one CSV file per kind — into a certsum.InventoryInput whose
// objects know where they stand in their file, and checks it whole (certsum's rules).
package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/certsum/certsum"
)

// MaxInputBytes is the largest input ParseJSON reads.
const MaxInputBytes = 1 << 30

// ParseJSON reads one JSON document (named name in problems). Unknown keys, values of the
// wrong type and trailing data are problems with their line and column; the objects of the
// result carry their positions.
func ParseJSON(r io.Reader, name string) (*certsum.InventoryInput, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxInputBytes {
		return nil, certsum.InputProblems{{InputPos: certsum.InputPos{File: name}, Message: fmt.Sprintf("the input is larger than %d bytes", MaxInputBytes)}}
	}
	p := &jsonParser{name: name, data: data, lines: lineStarts(data)}
	in, err := p.parse()
	if err != nil {
		var pe *posError
		if errors.As(err, &pe) {
			return nil, certsum.InputProblems{{InputPos: p.pos(pe.off), Message: pe.msg}}
		}
		return nil, err
	}
	in.Name = name
	return in, nil
}

type jsonParser struct {
	name  string
	data  []byte
	lines []int // byte offset of each line's start
	dec   *json.Decoder
}

// posError is a problem at a byte offset.
type posError struct {
	off int64
	msg string
}

func (e *posError) Error() string { return e.msg }

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// pos turns a byte offset into a line and a column (in bytes, 1-based).
func (p *jsonParser) pos(off int64) certsum.InputPos {
	i := sort.Search(len(p.lines), func(i int) bool { return int64(p.lines[i]) > off }) - 1
	if i < 0 {
		i = 0
	}
	return certsum.InputPos{File: p.name, Line: i + 1, Column: int(off) - p.lines[i] + 1}
}

// next returns the offset of the next value's first byte (after whitespace and a separator).
func (p *jsonParser) next() int64 {
	off := p.dec.InputOffset()
	for off < int64(len(p.data)) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonParser) fail(off int64, format string, args ...any) error {
	return &posError{off, fmt.Sprintf(format, args...)}
}

// wrap turns a decoding error into a problem at the offset it names, or at off.
func (p *jsonParser) wrap(err error, off int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return p.fail(se.Offset, "%s", se.Error())
	case errors.As(err, &te):
		return p.fail(te.Offset, "%s must be %s, not %s", strings.TrimPrefix(te.Field, "."), te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return p.fail(int64(len(p.data)), "the document ends early")
	}
	return p.fail(off, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

func (p *jsonParser) parse() (*certsum.InventoryInput, error) {
	p.dec = json.NewDecoder(bytes.NewReader(p.data))
	p.dec.UseNumber()
	in := &certsum.InventoryInput{Covers: map[string]bool{}}
	off := p.next()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.wrap(err, off)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, p.fail(off, "the document must be a JSON object")
	}
	seen := map[string]bool{}
	for p.dec.More() {
		off := p.next()
		tok, err := p.dec.Token()
		if err != nil {
			return nil, p.wrap(err, off)
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, p.fail(off, "key %q appears twice", key)
		}
		seen[key] = true
		if err := p.member(in, key, off); err != nil {
			return nil, err
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return nil, p.wrap(err, p.next())
	}
	if off := p.next(); off < int64(len(p.data)) {
		return nil, p.fail(off, "data after the document")
	}
	return in, nil
}

// member reads the value of one top-level key.
func (p *jsonParser) member(in *certsum.InventoryInput, key string, keyOff int64) error {
	switch key {
	case "formatVersion":
		return p.value(&in.FormatVersion)
	case "mode":
		return p.value(&in.Mode)
	case "scope":
		return p.value(&in.Scope)
	case "identities":
		return list(p, key, in, &in.Identities, func(x *certsum.InputIdentity, pos certsum.InputPos) { x.Pos = pos })
	case "sources":
		return list(p, key, in, &in.Sources, func(x *certsum.InputSource, pos certsum.InputPos) { x.Pos = pos })
	case "accounts":
		return list(p, key, in, &in.Accounts, func(x *certsum.InputAccount, pos certsum.InputPos) { x.Pos = pos })
	case "entitlements":
		return list(p, key, in, &in.Entitlements, func(x *certsum.InputEntitlement, pos certsum.InputPos) { x.Pos = pos })
	case "accessProfiles":
		return list(p, key, in, &in.AccessProfiles, func(x *certsum.InputAccessProfile, pos certsum.InputPos) { x.Pos = pos })
	case "roles":
		return list(p, key, in, &in.Roles, func(x *certsum.InputRole, pos certsum.InputPos) { x.Pos = pos })
	case "assignments":
		return list(p, key, in, &in.Assignments, func(x *certsum.InputAssignment, pos certsum.InputPos) { x.Pos = pos })
	case "governanceGroups":
		return list(p, key, in, &in.GovernanceGroups, func(x *certsum.InputGovernanceGroup, pos certsum.InputPos) { x.Pos = pos })
	}
	return p.fail(keyOff, "unknown key %q", key)
}

// value decodes the next value into dst, refusing unknown keys.
func (p *jsonParser) value(dst any) error {
	off := p.next()
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		// A fresh decoder from off reports offsets from off, which the stream's may not.
		if err := json.NewDecoder(bytes.NewReader(p.data[off:])).Decode(&raw); err != nil {
			return p.wrapAt(err, off)
		}
		return p.wrap(err, off)
	}
	sub := json.NewDecoder(bytes.NewReader(raw))
	sub.DisallowUnknownFields()
	if err := sub.Decode(dst); err != nil {
		return p.wrapAt(err, off)
	}
	return nil
}

// wrapAt turns an error of decoding a value that starts at off into a problem at the byte
// it names: the offsets of its errors count the bytes read from off, the offending one last.
func (p *jsonParser) wrapAt(err error, off int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return p.fail(off+max(se.Offset-1, 0), "%s", se.Error())
	case errors.As(err, &te):
		return p.fail(off+max(te.Offset-1, 0), "%s must be %s, not %s", strings.TrimPrefix(te.Field, "."), te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return p.fail(int64(len(p.data)), "the document ends early")
	}
	return p.fail(off, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

// list reads an array of objects of one kind, each with its position.
func list[T any](p *jsonParser, key string, in *certsum.InventoryInput, dst *[]T, setPos func(*T, certsum.InputPos)) error {
	in.Covers[key] = true
	off := p.next()
	tok, err := p.dec.Token()
	if err != nil {
		return p.wrap(err, off)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return p.fail(off, "%s must be an array", key)
	}
	for p.dec.More() {
		off := p.next()
		var x T
		if err := p.value(&x); err != nil {
			return err
		}
		setPos(&x, p.pos(off))
		*dst = append(*dst, x)
	}
	if _, err := p.dec.Token(); err != nil {
		return p.wrap(err, p.next())
	}
	return nil
}
