package inventory

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/certsum/certsum"
)

// The CSV files of an inventory directory, by the JSON key of the kind they hold. Only
// identities.csv is required.
var csvFiles = map[string]string{
	"identities.csv":        "identities",
	"sources.csv":           "sources",
	"accounts.csv":          "accounts",
	"entitlements.csv":      "entitlements",
	"access_profiles.csv":   "accessProfiles",
	"roles.csv":             "roles",
	"assignments.csv":       "assignments",
	"governance_groups.csv": "governanceGroups",
}

// column is one CSV column of a kind: its header (the snake_case of the JSON key), whether a
// row needs a value in it, and how a cell sets the object.
type column[T any] struct {
	name     string
	required bool
	set      func(x *T, v string) error
}

func text[T any](name string, required bool, field func(*T) *string) column[T] {
	return column[T]{name, required, func(x *T, v string) error { *field(x) = v; return nil }}
}

func flag[T any](name string, field func(*T) *bool) column[T] {
	return column[T]{name, false, func(x *T, v string) error {
		b, err := parseBool(v)
		*field(x) = b
		return err
	}}
}

func optFlag[T any](name string, field func(*T) **bool) column[T] {
	return column[T]{name, false, func(x *T, v string) error {
		b, err := parseBool(v)
		*field(x) = &b
		return err
	}}
}

func idList[T any](name string, required bool, field func(*T) *[]string) column[T] {
	return column[T]{name, required, func(x *T, v string) error {
		for _, s := range strings.Split(v, ";") {
			if s = strings.TrimSpace(s); s != "" {
				*field(x) = append(*field(x), s)
			}
		}
		return nil
	}}
}

func moment[T any](name string, field func(*T) **certsum.Time) column[T] {
	return column[T]{name, false, func(x *T, v string) error {
		t, err := certsum.ParseTime(v)
		if err != nil {
			return fmt.Errorf("%q is not an RFC 3339 time", v)
		}
		ct := certsum.NewTime(t)
		*field(x) = &ct
		return nil
	}}
}

func count[T any](name string, field func(*T) **int) column[T] {
	return column[T]{name, false, func(x *T, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*field(x) = &n
		return nil
	}}
}

// permissions reads a list of permissions, each "target:RIGHT,RIGHT" (the target is what
// comes before the last colon, so targets such as s3://bucket keep theirs).
func permissions(name string) column[certsum.InputEntitlement] {
	return column[certsum.InputEntitlement]{name, false, func(x *certsum.InputEntitlement, v string) error {
		for _, item := range strings.Split(v, ";") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			i := strings.LastIndex(item, ":")
			if i <= 0 {
				return fmt.Errorf("%q is not target:RIGHT,RIGHT", item)
			}
			perm := certsum.Permission{Target: item[:i]}
			for _, r := range strings.Split(item[i+1:], ",") {
				perm.Rights = append(perm.Rights, strings.TrimSpace(r))
			}
			x.Permissions = append(x.Permissions, perm)
		}
		return nil
	}}
}

// dataAccess reads a dataAccess JSON object from one cell.
func dataAccess(name string) column[certsum.InputEntitlement] {
	return column[certsum.InputEntitlement]{name, false, func(x *certsum.InputEntitlement, v string) error {
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		var d certsum.DataAccess
		if err := dec.Decode(&d); err != nil {
			return fmt.Errorf("not a dataAccess JSON object: %v", err)
		}
		if dec.More() {
			return fmt.Errorf("not one dataAccess JSON object")
		}
		x.DataAccess = &d
		return nil
	}}
}

// parseBool reads true/false/1/0.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true, false, 1 or 0", v)
}

var identityColumns = []column[certsum.InputIdentity]{
	text("id", true, func(x *certsum.InputIdentity) *string { return &x.ID }),
	text("name", true, func(x *certsum.InputIdentity) *string { return &x.Name }),
	text("display_name", false, func(x *certsum.InputIdentity) *string { return &x.DisplayName }),
	text("email", false, func(x *certsum.InputIdentity) *string { return &x.Email }),
	text("manager_id", false, func(x *certsum.InputIdentity) *string { return &x.ManagerID }),
	text("status", false, func(x *certsum.InputIdentity) *string { return &x.Status }),
}

var sourceColumns = []column[certsum.InputSource]{
	text("id", true, func(x *certsum.InputSource) *string { return &x.ID }),
	text("name", true, func(x *certsum.InputSource) *string { return &x.Name }),
	text("owner_id", false, func(x *certsum.InputSource) *string { return &x.OwnerID }),
	text("type", false, func(x *certsum.InputSource) *string { return &x.Type }),
	flag("authoritative", func(x *certsum.InputSource) *bool { return &x.Authoritative }),
	text("description", false, func(x *certsum.InputSource) *string { return &x.Description }),
}

var accountColumns = []column[certsum.InputAccount]{
	text("id", true, func(x *certsum.InputAccount) *string { return &x.ID }),
	text("source_id", true, func(x *certsum.InputAccount) *string { return &x.SourceID }),
	text("native_identity", true, func(x *certsum.InputAccount) *string { return &x.NativeIdentity }),
	text("identity_id", false, func(x *certsum.InputAccount) *string { return &x.IdentityID }),
	text("name", false, func(x *certsum.InputAccount) *string { return &x.Name }),
	flag("disabled", func(x *certsum.InputAccount) *bool { return &x.Disabled }),
	flag("locked", func(x *certsum.InputAccount) *bool { return &x.Locked }),
	moment("created", func(x *certsum.InputAccount) **certsum.Time { return &x.Created }),
	moment("modified", func(x *certsum.InputAccount) **certsum.Time { return &x.Modified }),
	count("usage_days", func(x *certsum.InputAccount) **int { return &x.UsageDays }),
}

var entitlementColumns = []column[certsum.InputEntitlement]{
	text("id", true, func(x *certsum.InputEntitlement) *string { return &x.ID }),
	text("source_id", true, func(x *certsum.InputEntitlement) *string { return &x.SourceID }),
	text("name", true, func(x *certsum.InputEntitlement) *string { return &x.Name }),
	text("attribute", false, func(x *certsum.InputEntitlement) *string { return &x.Attribute }),
	text("value", false, func(x *certsum.InputEntitlement) *string { return &x.Value }),
	text("schema_object_type", false, func(x *certsum.InputEntitlement) *string { return &x.SchemaObjectType }),
	text("description", false, func(x *certsum.InputEntitlement) *string { return &x.Description }),
	flag("privileged", func(x *certsum.InputEntitlement) *bool { return &x.Privileged }),
	optFlag("revocable", func(x *certsum.InputEntitlement) **bool { return &x.Revocable }),
	text("owner_id", false, func(x *certsum.InputEntitlement) *string { return &x.OwnerID }),
	flag("cloud_governed", func(x *certsum.InputEntitlement) *bool { return &x.CloudGoverned }),
	flag("is_permission", func(x *certsum.InputEntitlement) *bool { return &x.IsPermission }),
	permissions("permissions"),
	dataAccess("data_access"),
}

var accessProfileColumns = []column[certsum.InputAccessProfile]{
	text("id", true, func(x *certsum.InputAccessProfile) *string { return &x.ID }),
	text("name", true, func(x *certsum.InputAccessProfile) *string { return &x.Name }),
	text("source_id", true, func(x *certsum.InputAccessProfile) *string { return &x.SourceID }),
	text("owner_id", true, func(x *certsum.InputAccessProfile) *string { return &x.OwnerID }),
	idList("entitlement_ids", true, func(x *certsum.InputAccessProfile) *[]string { return &x.EntitlementIDs }),
	text("description", false, func(x *certsum.InputAccessProfile) *string { return &x.Description }),
	flag("privileged", func(x *certsum.InputAccessProfile) *bool { return &x.Privileged }),
	flag("cloud_governed", func(x *certsum.InputAccessProfile) *bool { return &x.CloudGoverned }),
	moment("created", func(x *certsum.InputAccessProfile) **certsum.Time { return &x.Created }),
	moment("modified", func(x *certsum.InputAccessProfile) **certsum.Time { return &x.Modified }),
}

var roleColumns = []column[certsum.InputRole]{
	text("id", true, func(x *certsum.InputRole) *string { return &x.ID }),
	text("name", true, func(x *certsum.InputRole) *string { return &x.Name }),
	text("owner_id", true, func(x *certsum.InputRole) *string { return &x.OwnerID }),
	idList("access_profile_ids", false, func(x *certsum.InputRole) *[]string { return &x.AccessProfileIDs }),
	idList("entitlement_ids", false, func(x *certsum.InputRole) *[]string { return &x.EntitlementIDs }),
	text("description", false, func(x *certsum.InputRole) *string { return &x.Description }),
	flag("privileged", func(x *certsum.InputRole) *bool { return &x.Privileged }),
	optFlag("revocable", func(x *certsum.InputRole) **bool { return &x.Revocable }),
}

var assignmentColumns = []column[certsum.InputAssignment]{
	text("identity_id", true, func(x *certsum.InputAssignment) *string { return &x.IdentityID }),
	{"access_type", true, func(x *certsum.InputAssignment, v string) error {
		x.AccessType = certsum.DtoType(strings.ToUpper(v))
		return nil
	}},
	text("access_id", true, func(x *certsum.InputAssignment) *string { return &x.AccessID }),
	text("account_id", false, func(x *certsum.InputAssignment) *string { return &x.AccountID }),
	moment("assigned", func(x *certsum.InputAssignment) **certsum.Time { return &x.Assigned }),
	moment("end_date", func(x *certsum.InputAssignment) **certsum.Time { return &x.EndDate }),
	text("external_id", false, func(x *certsum.InputAssignment) *string { return &x.ExternalID }),
}

var groupColumns = []column[certsum.InputGovernanceGroup]{
	text("id", true, func(x *certsum.InputGovernanceGroup) *string { return &x.ID }),
	text("name", true, func(x *certsum.InputGovernanceGroup) *string { return &x.Name }),
	idList("member_ids", true, func(x *certsum.InputGovernanceGroup) *[]string { return &x.MemberIDs }),
	text("description", false, func(x *certsum.InputGovernanceGroup) *string { return &x.Description }),
	text("owner_id", false, func(x *certsum.InputGovernanceGroup) *string { return &x.OwnerID }),
}

// ParseCSV reads an inventory directory of fsys: the files of csvFiles, of which only
// identities.csv is required. Every problem of every file is reported (up to
// certsum.MaxInputProblems) with its file, line and column.
func ParseCSV(fsys fs.FS, name string) (*certsum.InventoryInput, error) {
	in := &certsum.InventoryInput{FormatVersion: certsum.InventoryFormatVersion, Name: name, Covers: map[string]bool{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var probs certsum.InputProblems
	add := func(ps certsum.InputProblems) {
		probs = append(probs, ps...)
	}
	have := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(path.Ext(e.Name()), ".csv") {
			continue
		}
		if _, ok := csvFiles[e.Name()]; !ok {
			add(certsum.InputProblems{{InputPos: certsum.InputPos{File: e.Name()}, Message: "unknown file; the inventory files are " + knownFiles()}})
			continue
		}
		have[e.Name()] = true
	}
	if !have["identities.csv"] {
		add(certsum.InputProblems{{InputPos: certsum.InputPos{File: name}, Message: "identities.csv is required"}})
	}
	read := func(file string, fn func(f io.Reader) certsum.InputProblems) {
		if !have[file] {
			return
		}
		in.Covers[csvFiles[file]] = true
		f, err := fsys.Open(file)
		if err != nil {
			add(certsum.InputProblems{{InputPos: certsum.InputPos{File: file}, Message: err.Error()}})
			return
		}
		defer f.Close()
		add(fn(f))
	}
	read("identities.csv", func(f io.Reader) certsum.InputProblems {
		return parseRows(f, "identities.csv", identityColumns, &in.Identities,
			func(x *certsum.InputIdentity) *map[string]string { return &x.Attributes },
			func(x *certsum.InputIdentity, p certsum.InputPos) { x.Pos = p })
	})
	read("sources.csv", func(f io.Reader) certsum.InputProblems {
		return parseRows(f, "sources.csv", sourceColumns, &in.Sources, nil,
			func(x *certsum.InputSource, p certsum.InputPos) { x.Pos = p })
	})
	read("accounts.csv", func(f io.Reader) certsum.InputProblems {
		return parseRows(f, "accounts.csv", accountColumns, &in.Accounts,
			func(x *certsum.InputAccount) *map[string]string { return &x.Attributes },
			func(x *certsum.InputAccount, p certsum.InputPos) { x.Pos = p })
	})
	read("entitlements.csv", func(f io.Reader) certsum.InputProblems {
		return parseRows(f, "entitlements.csv", entitlementColumns, &in.Entitlements, nil,
			func(x *certsum.InputEntitlement, p certsum.InputPos) { x.Pos = p })
	})
	read("access_profiles.csv", func(f io.Reader) certsum.InputProblems {
		return parseRows(f, "access_profiles.csv", accessProfileColumns, &in.AccessProfiles, nil,
			func(x *certsum.InputAccessProfile, p certsum.InputPos) { x.Pos = p })
	})
	read("roles.csv", func(f io.Reader) certsum.InputProblems {
		return parseRows(f, "roles.csv", roleColumns, &in.Roles, nil,
			func(x *certsum.InputRole, p certsum.InputPos) { x.Pos = p })
	})
	read("assignments.csv", func(f io.Reader) certsum.InputProblems {
		return parseRows(f, "assignments.csv", assignmentColumns, &in.Assignments, nil,
			func(x *certsum.InputAssignment, p certsum.InputPos) { x.Pos = p })
	})
	read("governance_groups.csv", func(f io.Reader) certsum.InputProblems {
		return parseRows(f, "governance_groups.csv", groupColumns, &in.GovernanceGroups, nil,
			func(x *certsum.InputGovernanceGroup, p certsum.InputPos) { x.Pos = p })
	})
	if len(probs) > 0 {
		if len(probs) > certsum.MaxInputProblems {
			probs = probs[:certsum.MaxInputProblems]
		}
		return nil, probs
	}
	return in, nil
}

func knownFiles() string {
	names := make([]string, 0, len(csvFiles))
	for n := range csvFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// parseRows reads one CSV file of a kind into dst. attrs, when not nil, takes the attr.<name>
// columns of the kind; without it they are unknown columns.
func parseRows[T any](r io.Reader, file string, cols []column[T], dst *[]T,
	attrs func(*T) *map[string]string, setPos func(*T, certsum.InputPos)) certsum.InputProblems {
	var probs certsum.InputProblems
	problem := func(line, col int, format string, args ...any) {
		if len(probs) < certsum.MaxInputProblems {
			probs = append(probs, certsum.InputProblem{InputPos: certsum.InputPos{File: file, Line: line, Column: col},
				Message: fmt.Sprintf(format, args...)})
		}
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		problem(1, 1, "the file is empty; it needs a header row")
		return probs
	}
	if err != nil {
		return csvProblem(file, err)
	}
	byName := map[string]int{}
	for i, c := range cols {
		byName[c.name] = i
	}
	idx := make([]int, len(header)) // column of each cell: index into cols, or -1 for attr.*
	attrName := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		line, col := cr.FieldPos(i)
		if seen[h] {
			problem(line, col, "column %q appears twice", h)
		}
		seen[h] = true
		if a, ok := strings.CutPrefix(h, "attr."); ok && attrs != nil {
			if a == "" {
				problem(line, col, "an attr. column needs a name")
			}
			idx[i], attrName[i] = -1, a
			continue
		}
		c, ok := byName[h]
		if !ok {
			problem(line, col, "unknown column %q", h)
			idx[i] = -2
			continue
		}
		idx[i] = c
	}
	for _, c := range cols {
		if c.required && !seen[c.name] {
			problem(1, 1, "column %q is required", c.name)
		}
	}
	if len(probs) > 0 {
		return probs
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return append(probs, csvProblem(file, err)...)
		}
		var x T
		line, _ := cr.FieldPos(0)
		setPos(&x, certsum.InputPos{File: file, Line: line, Column: 1})
		for i, v := range rec {
			if idx[i] == -2 {
				continue
			}
			l, c := cr.FieldPos(i)
			if idx[i] == -1 {
				if v != "" {
					m := attrs(&x)
					if *m == nil {
						*m = map[string]string{}
					}
					(*m)[attrName[i]] = v
				}
				continue
			}
			col := cols[idx[i]]
			if v == "" {
				if col.required {
					problem(l, c, "%s is required", col.name)
				}
				continue
			}
			if err := col.set(&x, v); err != nil {
				problem(l, c, "%s: %v", col.name, err)
			}
		}
		*dst = append(*dst, x)
		if len(probs) >= certsum.MaxInputProblems {
			break
		}
	}
	return probs
}

// csvProblem turns a CSV syntax error into a problem at its position.
func csvProblem(file string, err error) certsum.InputProblems {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return certsum.InputProblems{{InputPos: certsum.InputPos{File: file, Line: pe.Line, Column: pe.Column},
			Message: pe.Err.Error()}}
	}
	return certsum.InputProblems{{InputPos: certsum.InputPos{File: file}, Message: err.Error()}}
}
