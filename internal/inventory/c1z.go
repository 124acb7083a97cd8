package inventory

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/certsum/certsum"

	// The payload of a v1 c1z file is a SQLite database, read with certsum's SQLite driver.
	_ "modernc.org/sqlite"
)

// This file reads baton .c1z v1 files (a connector's sync of one system: users, groups,
// roles, their entitlements and who holds them) into the inventory model: one source, its
// accounts, the entitlements held by users, and the users' grants as assignments of the
// identities their accounts are correlated to. The wire layout is ConductorOne's: the magic
// "C1ZF\x00", then one zstd stream of a SQLite database whose rows hold protobuf messages.

// C1ZOptions say how a c1z maps to the inventory.
type C1ZOptions struct {
	SourceID    string // required: the source the file describes
	SourceName  string // default: the file's name
	SourceOwner string // the source's owner, an identity id
	// Correlate returns the identity an account belongs to from its primary email and its
	// login, or "" for an uncorrelated account.
	Correlate func(email, login string) string
	// MaxDecoded caps the decompressed size (default MaxC1ZDecoded).
	MaxDecoded int64
}

// MaxC1ZDecoded is the largest payload a c1z may decompress to unless told otherwise.
const MaxC1ZDecoded = 3 << 30

// C1ZReport counts what a c1z held that the inventory does not take.
type C1ZReport struct {
	Users, Entitlements, Grants int
	// GroupGrants are grants to groups (their members' expanded grants are kept);
	// UncorrelatedGrants are grants to accounts that belong to no identity.
	GroupGrants, UncorrelatedGrants int
	SyncID                          string
}

var (
	c1zV1 = []byte("C1ZF\x00")
	c1zV3 = []byte("C1Z3\x00")
)

// ReadC1Z reads the c1z file at path.
func ReadC1Z(ctx context.Context, path string, o C1ZOptions) (*certsum.InventoryInput, *C1ZReport, error) {
	if !certsum.ValidInputID(o.SourceID) {
		return nil, nil, fmt.Errorf("a c1z import needs a source id (--source-id), 1 to 255 of A-Z a-z 0-9 . _ ~ : @ + -; got %q", o.SourceID)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	magic := make([]byte, 5)
	if _, err := io.ReadFull(f, magic); err != nil || !bytes.Equal(magic, c1zV1) {
		if bytes.Equal(magic, c1zV3) {
			return nil, nil, fmt.Errorf("%s is a c1z v3 file (Pebble storage), which certsum does not read: re-run the connector with --storage-engine sqlite", path)
		}
		return nil, nil, fmt.Errorf("%s is not a c1z file (it does not start with C1ZF)", path)
	}
	limit := o.MaxDecoded
	if limit <= 0 {
		limit = MaxC1ZDecoded
	}
	tmp, err := os.CreateTemp("", "certsum-c1z-*.db")
	if err != nil {
		return nil, nil, err
	}
	defer os.Remove(tmp.Name())
	zr, err := zstd.NewReader(f, zstd.WithDecoderMaxMemory(128<<20))
	if err != nil {
		tmp.Close()
		return nil, nil, err
	}
	n, err := io.Copy(tmp, io.LimitReader(zr, limit+1))
	zr.Close()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: the payload does not decompress: %w", path, err)
	}
	if n > limit {
		return nil, nil, fmt.Errorf("%s: the payload is larger than %d bytes", path, limit)
	}
	db, err := sql.Open("sqlite", "file:"+tmp.Name()+"?mode=ro")
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	r := &c1zReader{ctx: ctx, db: db, o: o}
	if o.SourceName == "" {
		r.o.SourceName = strings.TrimSuffix(baseName(path), ".c1z")
	}
	in, err := r.read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	in.Name = path
	return in, &r.report, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

type c1zReader struct {
	ctx    context.Context
	db     *sql.DB
	o      C1ZOptions
	report C1ZReport
}

// user is a TRAIT_USER resource.
type user struct {
	rt, rid, name, login, email string
	disabled                    bool
	created                     *certsum.Time
}

func (r *c1zReader) read() (*certsum.InventoryInput, error) {
	sync, err := r.latestSync()
	if err != nil {
		return nil, err
	}
	r.report.SyncID = sync
	userTypes, err := r.userTypes(sync)
	if err != nil {
		return nil, err
	}
	users := map[[2]string]*user{}
	names := map[[2]string]string{} // every resource's display name, for entitlement names
	err = r.each(`SELECT data FROM v1_resources WHERE sync_id = ?`, sync, func(data []byte) error {
		res, err := decodeResource(data)
		if err != nil {
			return fmt.Errorf("a resource: %w", err)
		}
		names[[2]string{res.rt, res.rid}] = res.name
		if userTypes[res.rt] {
			res := res
			users[[2]string{res.rt, res.rid}] = &res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.report.Users = len(users)
	in := &certsum.InventoryInput{FormatVersion: certsum.InventoryFormatVersion, Mode: certsum.ImportSnapshot,
		Scope:  &certsum.ImportScope{SourceIDs: []string{r.o.SourceID}},
		Covers: map[string]bool{"sources": true, "accounts": true, "entitlements": true, "assignments": true}}
	in.Sources = []certsum.InputSource{{ID: r.o.SourceID, Name: r.o.SourceName, OwnerID: r.o.SourceOwner, Type: "c1z"}}
	accountOf := map[[2]string]string{} // user resource → account id
	ownerOf := map[string]string{}      // account id → identity id
	for _, k := range sortedKeys(users) {
		u := users[k]
		id := r.o.SourceID + ":" + u.rid
		identity := ""
		if r.o.Correlate != nil {
			identity = r.o.Correlate(u.email, u.login)
		}
		name := u.login
		if name == "" {
			name = u.name
		}
		in.Accounts = append(in.Accounts, certsum.InputAccount{ID: id, SourceID: r.o.SourceID, NativeIdentity: u.rid,
			IdentityID: identity, Name: name, Disabled: u.disabled, Created: u.created})
		accountOf[k], ownerOf[id] = id, identity
	}
	ents := map[string]c1zEntitlement{}
	err = r.each(`SELECT data FROM v1_entitlements WHERE sync_id = ?`, sync, func(data []byte) error {
		e, err := decodeEntitlement(data)
		if err != nil {
			return fmt.Errorf("an entitlement: %w", err)
		}
		ents[e.id] = e
		r.report.Entitlements++
		return nil
	})
	if err != nil {
		return nil, err
	}
	held := map[string]bool{}
	rows, err := r.db.QueryContext(r.ctx, `SELECT entitlement_id, principal_resource_type_id, principal_resource_id,
		COALESCE(external_id, '')
		FROM v1_grants WHERE sync_id = ? ORDER BY entitlement_id, principal_resource_type_id, principal_resource_id`, sync)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ent, prt, prid, grant string
		if err := rows.Scan(&ent, &prt, &prid, &grant); err != nil {
			return nil, err
		}
		r.report.Grants++
		account, isUser := accountOf[[2]string{prt, prid}]
		switch {
		case !isUser:
			r.report.GroupGrants++
			continue
		case ownerOf[account] == "":
			r.report.UncorrelatedGrants++
			continue
		}
		id := r.o.SourceID + ":" + ent
		if !held[id] {
			held[id] = true
			e := ents[ent]
			name := e.name
			if name == "" {
				name = strings.TrimSpace(names[[2]string{e.rt, e.rid}] + " " + e.slug)
			}
			if name == "" {
				name = ent
			}
			in.Entitlements = append(in.Entitlements, certsum.InputEntitlement{ID: id, SourceID: r.o.SourceID, Name: name,
				Attribute: e.rt, Value: ent, SchemaObjectType: e.rt, Description: e.description})
		}
		in.Assignments = append(in.Assignments, certsum.InputAssignment{IdentityID: ownerOf[account],
			AccessType: certsum.TypeEntitlement, AccessID: id, AccountID: account, ExternalID: grant})
	}
	return in, rows.Err()
}

// latestSync picks the latest finished full sync.
func (r *c1zReader) latestSync() (string, error) {
	hasType := false
	cols, err := r.db.QueryContext(r.ctx, `SELECT name FROM pragma_table_info('v1_sync_runs')`)
	if err != nil {
		return "", err
	}
	for cols.Next() {
		var c string
		if err := cols.Scan(&c); err != nil {
			cols.Close()
			return "", err
		}
		hasType = hasType || c == "sync_type"
	}
	cols.Close()
	cond := `is_partial = 0`
	if hasType {
		cond = `COALESCE(sync_type, 'full') = 'full'`
	}
	var id string
	err = r.db.QueryRowContext(r.ctx, `SELECT sync_id FROM v1_sync_runs
		WHERE ended_at IS NOT NULL AND `+cond+` ORDER BY ended_at DESC, id DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errors.New("it holds no finished full sync")
	}
	if err != nil {
		return "", fmt.Errorf("it is not a c1z v1 database: %w", err)
	}
	return id, nil
}

// userTypes returns the resource types with the user trait.
func (r *c1zReader) userTypes(sync string) (map[string]bool, error) {
	out := map[string]bool{}
	err := r.each(`SELECT data FROM v1_resource_types WHERE sync_id = ?`, sync, func(data []byte) error {
		id, traits, err := decodeResourceType(data)
		if err != nil {
			return fmt.Errorf("a resource type: %w", err)
		}
		for _, t := range traits {
			if t == traitUser {
				out[id] = true
			}
		}
		return nil
	})
	return out, err
}

func (r *c1zReader) each(stmt, sync string, fn func(data []byte) error) error {
	rows, err := r.db.QueryContext(r.ctx, stmt, sync)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return err
		}
		if err := fn(data); err != nil {
			return err
		}
	}
	return rows.Err()
}

func sortedKeys[V any](m map[[2]string]V) [][2]string {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && (keys[j][0] < keys[j-1][0] || keys[j][0] == keys[j-1][0] && keys[j][1] < keys[j-1][1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// The protobuf messages of connector v2 that the reader decodes, by field number.
const (
	traitUser     = 1
	userTraitType = "type.googleapis.com/c1.connector.v2.UserTrait"
	statusEnabled = 1
)

// fields walks a message's fields, calling fn with each field's number, type and raw value
// (the bytes of a length-delimited field, the varint otherwise).
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// decodeResourceType reads ResourceType {1 id, 3 traits (packed or not)}.
func decodeResourceType(b []byte) (id string, traits []uint64, err error) {
	err = fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			id = string(v)
		case num == 3 && typ == protowire.VarintType:
			traits = append(traits, x)
		case num == 3 && typ == protowire.BytesType:
			for len(v) > 0 {
				t, n := protowire.ConsumeVarint(v)
				if n < 0 {
					return protowire.ParseError(n)
				}
				traits, v = append(traits, t), v[n:]
			}
		}
		return nil
	})
	return id, traits, err
}

// decodeResourceID reads ResourceId {1 resource_type, 2 resource}.
func decodeResourceID(b []byte) (rt, rid string, err error) {
	err = fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ == protowire.BytesType {
			switch num {
			case 1:
				rt = string(v)
			case 2:
				rid = string(v)
			}
		}
		return nil
	})
	return rt, rid, err
}

// decodeResource reads Resource {1 id, 3 display_name, 4 annotations (Any)} and its
// UserTrait annotation.
func decodeResource(b []byte) (user, error) {
	var u user
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case 1:
			var err error
			u.rt, u.rid, err = decodeResourceID(v)
			return err
		case 3:
			u.name = string(v)
		case 4:
			return decodeAnnotation(v, func(typeURL string, value []byte) error {
				if typeURL == userTraitType {
					return decodeUserTrait(value, &u)
				}
				return nil
			})
		}
		return nil
	})
	return u, err
}

// decodeAnnotation reads Any {1 type_url, 2 value}.
func decodeAnnotation(b []byte, fn func(typeURL string, value []byte) error) error {
	var url string
	var value []byte
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ == protowire.BytesType {
			switch num {
			case 1:
				url = string(v)
			case 2:
				value = v
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return fn(url, value)
}

// decodeUserTrait reads UserTrait {1 emails {1 address, 2 is_primary}, 2 status {1 status},
// 6 login, 8 created_at (Timestamp {1 seconds, 2 nanos})}.
func decodeUserTrait(b []byte, u *user) error {
	first := ""
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case 1:
			var addr string
			var primary bool
			err := fields(v, func(n protowire.Number, t protowire.Type, v []byte, x uint64) error {
				switch {
				case n == 1 && t == protowire.BytesType:
					addr = string(v)
				case n == 2 && t == protowire.VarintType:
					primary = x != 0
				}
				return nil
			})
			if first == "" {
				first = addr
			}
			if primary {
				u.email = addr
			}
			return err
		case 2:
			return fields(v, func(n protowire.Number, t protowire.Type, _ []byte, x uint64) error {
				if n == 1 && t == protowire.VarintType {
					u.disabled = x != statusEnabled
				}
				return nil
			})
		case 6:
			u.login = string(v)
		case 8:
			var secs, nanos uint64
			err := fields(v, func(n protowire.Number, t protowire.Type, _ []byte, x uint64) error {
				if t == protowire.VarintType {
					switch n {
					case 1:
						secs = x
					case 2:
						nanos = x
					}
				}
				return nil
			})
			t := certsum.NewTime(time.Unix(int64(secs), int64(nanos)))
			u.created = &t
			return err
		}
		return nil
	})
	if u.email == "" {
		u.email = first
	}
	return err
}

// c1zEntitlement is an Entitlement {1 resource, 2 id, 3 display_name, 4 description, 8 slug}.
type c1zEntitlement struct {
	id, name, description, slug, rt, rid string
}

func decodeEntitlement(b []byte) (c1zEntitlement, error) {
	var e c1zEntitlement
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case 1:
			res, err := decodeResource(v)
			e.rt, e.rid = res.rt, res.rid
			return err
		case 2:
			e.id = string(v)
		case 3:
			e.name = string(v)
		case 4:
			e.description = string(v)
		case 8:
			e.slug = string(v)
		}
		return nil
	})
	return e, err
}
