package inventory

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/certsum/certsum"
)

// Format is the form an inventory input is written in.
type Format string

// Input formats.
const (
	FormatJSON Format = "json"
	FormatCSV  Format = "csv" // a directory of CSV files
	FormatC1Z  Format = "c1z"
)

// Detect tells the format of the input at path: a directory is CSV, a file that starts
// with a c1z magic (v1 or v3) is c1z, any other file JSON.
func Detect(path string) (Format, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return FormatCSV, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	magic := make([]byte, len(c1zV1))
	n, err := io.ReadFull(f, magic)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", err
	}
	if bytes.Equal(magic[:n], c1zV1) || bytes.Equal(magic[:n], c1zV3) {
		return FormatC1Z, nil
	}
	return FormatJSON, nil
}

// Read reads the inventory input at path in the format Detect gives it; c1z files take
// their source from o. The report is nil unless the input was a c1z file.
func Read(ctx context.Context, path string, o C1ZOptions) (*certsum.InventoryInput, *C1ZReport, error) {
	format, err := Detect(path)
	if err != nil {
		return nil, nil, err
	}
	switch format {
	case FormatCSV:
		in, err := ParseCSV(os.DirFS(path), filepath.Base(path))
		return in, nil, err
	case FormatC1Z:
		return ReadC1Z(ctx, path, o)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	in, err := ParseJSON(f, filepath.Base(path))
	if err != nil {
		return nil, nil, err
	}
	return in, nil, nil
}

// Correlation matches c1z accounts to identities: by a mapping of logins or emails to
// identity ids first, then by the identities' emails, then by their names (logins), each
// compared without regard to case.
type Correlation struct {
	mapped, byEmail, byName map[string]string
}

// NewCorrelation builds a correlation over identities (id, name, email) and a mapping
// (login or email → identity id), either of which may be empty.
func NewCorrelation(identities []certsum.Identity, mapping map[string]string) *Correlation {
	c := &Correlation{mapped: map[string]string{}, byEmail: map[string]string{}, byName: map[string]string{}}
	for k, v := range mapping {
		c.mapped[fold(k)] = v
	}
	for _, x := range identities {
		if x.Email != "" {
			c.byEmail[fold(x.Email)] = x.ID
		}
		c.byName[fold(x.Name)] = x.ID
	}
	return c
}

// Identity returns the identity an account with this email and login belongs to, or "".
func (c *Correlation) Identity(email, login string) string {
	for _, k := range []string{email, login} {
		if k == "" {
			continue
		}
		if id, ok := c.mapped[fold(k)]; ok {
			return id
		}
	}
	if id, ok := c.byEmail[fold(email)]; ok && email != "" {
		return id
	}
	if id, ok := c.byName[fold(login)]; ok && login != "" {
		return id
	}
	return ""
}

// mappingRow is one row of a correlation mapping file.
type mappingRow struct {
	account, identity string
}

var mappingColumns = []column[mappingRow]{
	text("account", true, func(x *mappingRow) *string { return &x.account }),
	text("identity_id", true, func(x *mappingRow) *string { return &x.identity }),
}

// ReadMapping reads a correlation mapping file: CSV with the columns account (a login or
// email) and identity_id, read like an inventory's CSV files (problems name their line and
// column).
func ReadMapping(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []mappingRow
	if probs := parseRows(f, filepath.Base(path), mappingColumns, &rows, nil, func(*mappingRow, certsum.InputPos) {}); len(probs) > 0 {
		return nil, probs
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.account] = r.identity
	}
	return m, nil
}

// fold is the case-insensitive form of a correlation key.
func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
