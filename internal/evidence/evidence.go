// Package evidence writes certsum's audit evidence (docs/evidence.md): a ZIP of one row per
// review item of a campaign or a certification, as CSV and as JSON Lines, one sign-off row per
// certification, and a manifest that counts the rows, checks them against the
// certifications' own counters and gives the SHA-256 of every file. It streams: memory does
// not grow with the number of items.
package evidence

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/klauspost/compress/flate"

	"github.com/certsum/certsum"
)

// Format names the layout this package writes, in the manifest.
const Format = "certsum-evidence/1"

// The files of an evidence ZIP, in the order they are written.
const (
	SignOffsCSV  = "signoffs.csv"
	ItemsCSV     = "items.csv"
	ItemsJSONL   = "items.jsonl"
	ManifestJSON = "manifest.json"
)

// ItemColumns are the columns of items.csv and the keys of items.jsonl.
var ItemColumns = []string{"campaign_id", "campaign_name", "certification_id", "certification_name", "reviewer_type",
	"reviewer_id", "reviewer_name", "identity_id", "identity_name", "item_id", "access_type", "access_id",
	"access_name", "source_name", "account_id", "decision", "decided_by_id", "decided_by_name", "decided_at",
	"bulk", "comments", "proposed_end_date"}

// SignOffColumns are the columns of signoffs.csv.
var SignOffColumns = []string{"campaign_id", "campaign_name", "certification_id", "certification_name",
	"reviewer_type", "reviewer_id", "reviewer_name", "phase", "due", "signed", "decisions_made", "decisions_total",
	"identities_completed", "identities_total", "reassigned_from"}

// Manifest describes an evidence ZIP: what it covers, when it was made, its row counts and
// their check against the certifications' counters, and the digest of every other file.
type Manifest struct {
	Format      string            `json:"format"`
	Scope       Scope             `json:"scope"`
	Filters     map[string]string `json:"filters"`
	GeneratedAt certsum.Time      `json:"generatedAt"`
	Counts      Counts            `json:"counts"`
	Checks      []Check           `json:"checks"`
	ChecksPass  bool              `json:"checksPass"`
	Files       []File            `json:"files"`
}

// Scope is what the evidence covers.
type Scope struct {
	Kind string `json:"kind"` // campaign or certification
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Counts are the rows written.
type Counts struct {
	Certifications int `json:"certifications"`
	Signed         int `json:"signed"`
	Items          int `json:"items"`
	Decided        int `json:"decided"`
}

// Check compares one certification's item rows with its counters.
type Check struct {
	CertificationID string `json:"certificationId"`
	Items           int    `json:"items"`
	DecisionsTotal  int    `json:"decisionsTotal"`
	Decided         int    `json:"decided"`
	DecisionsMade   int    `json:"decisionsMade"`
	OK              bool   `json:"ok"`
}

// File is one file of the ZIP with its size and SHA-256 (hex).
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	Rows   int    `json:"rows"`
}

// Write writes the evidence of scope, read from st in one snapshot, as a ZIP to w, stamped
// now, and returns its manifest. Nothing is written to w before the scope is found, so an
// error that comes with nothing written is the caller's to report; an error after that leaves
// w with a broken ZIP. Errors: invalid, not_found, and the store's and w's.
func Write(ctx context.Context, w io.Writer, st certsum.EvidenceStore, scope certsum.EvidenceScope, now time.Time) (*Manifest, error) {
	m := &Manifest{Format: Format, Scope: Scope{Kind: scope.Kind(), ID: scope.ID()}, Filters: map[string]string{},
		GeneratedAt: certsum.NewTime(now), Checks: []Check{}}
	err := st.ReadEvidence(ctx, scope, func(r certsum.EvidenceReader) error {
		certs := r.Certifications()
		if len(certs) > 0 {
			if scope.CampaignID != "" {
				m.Scope.Name = certs[0].CampaignName
			} else {
				m.Scope.Name = certs[0].CertificationName
			}
		}
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		ew := &entries{zw: zw, now: now, m: m}
		if err := ew.signOffs(certs); err != nil {
			return err
		}
		if err := ew.items(ctx, r, certs); err != nil {
			return err
		}
		if err := ew.manifest(); err != nil {
			return err
		}
		return zw.Close()
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// entries writes the ZIP's files one after the other.
type entries struct {
	zw  *zip.Writer
	now time.Time
	m   *Manifest
}

// digest counts and hashes what is written to an entry.
type digest struct {
	w io.Writer
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
}

func (d *digest) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	d.h.Write(p[:n])
	d.n += int64(n)
	return n, err
}

// file opens the next entry.
func (e *entries) file(name string) (*digest, error) {
	f, err := e.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: e.now})
	if err != nil {
		return nil, err
	}
	return &digest{w: f, h: sha256.New()}, nil
}

// done records an entry in the manifest.
func (e *entries) done(name string, d *digest, rows int) {
	e.m.Files = append(e.m.Files, File{Name: name, Bytes: d.n, SHA256: hex.EncodeToString(d.h.Sum(nil)), Rows: rows})
}

func (e *entries) signOffs(certs []certsum.EvidenceCertification) error {
	d, err := e.file(SignOffsCSV)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(d)
	if err := cw.Write(SignOffColumns); err != nil {
		return err
	}
	for _, c := range certs {
		e.m.Counts.Certifications++
		if c.Signed != nil {
			e.m.Counts.Signed++
		}
		row := []string{c.CampaignID, c.CampaignName, c.CertificationID, c.CertificationName, string(c.Reviewer.Type),
			c.Reviewer.ID, c.Reviewer.Name, string(c.Phase), timeCell(c.Due), timeCell(c.Signed),
			strconv.Itoa(c.DecisionsMade), strconv.Itoa(c.DecisionsTotal), strconv.Itoa(c.IdentitiesCompleted),
			strconv.Itoa(c.IdentitiesTotal), c.ReassignedFrom}
		if err := cw.Write(neutralize(row)); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	e.done(SignOffsCSV, d, len(certs))
	return nil
}

// itemRow is an item's cells in ItemColumns order.
func itemRow(dst []string, c *certsum.EvidenceCertification, it *certsum.EvidenceItem) []string {
	comments := ""
	if it.Comments != nil {
		comments = *it.Comments
	}
	return append(dst[:0], c.CampaignID, c.CampaignName, c.CertificationID, c.CertificationName,
		string(c.Reviewer.Type), c.Reviewer.ID, c.Reviewer.Name, it.IdentityID, it.IdentityName, it.ItemID,
		string(it.AccessType), it.AccessID, it.AccessName, it.SourceName, it.AccountID, string(it.Decision),
		it.DecidedByID, it.DecidedByName, timeCell(it.DecidedAt), strconv.FormatBool(it.Bulk), comments,
		timeCell(it.ProposedEndDate))
}

// items writes items.csv and items.jsonl in one pass over the items: the CSV straight into
// the ZIP, the JSON Lines compressed into a temporary file that then becomes the next entry
// as it is, so the database is read once.
func (e *entries) items(ctx context.Context, r certsum.EvidenceReader, certs []certsum.EvidenceCertification) error {
	d, err := e.file(ItemsCSV)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(d)
	if err := cw.Write(ItemColumns); err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "certsum-evidence-*.jsonl.deflate")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	fw, err := flate.NewWriter(tmp, flate.BestSpeed)
	if err != nil {
		return err
	}
	crc := crc32.NewIEEE()
	jd := &digest{w: io.MultiWriter(fw, crc), h: sha256.New()}
	jw := bufio.NewWriterSize(jd, 64<<10)
	enc := json.NewEncoder(jw)
	enc.SetEscapeHTML(false)
	row := make([]string, 0, len(ItemColumns))
	total := 0
	for i := range certs {
		c := &certs[i]
		check := Check{CertificationID: c.CertificationID, DecisionsTotal: c.DecisionsTotal, DecisionsMade: c.DecisionsMade}
		err := r.Items(c.CertificationID, func(it *certsum.EvidenceItem) error {
			check.Items++
			if it.Decision != "" {
				check.Decided++
			}
			row = itemRow(row, c, it)
			if err := enc.Encode(jsonItem(c, it)); err != nil {
				return err
			}
			return cw.Write(neutralize(row))
		})
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		check.OK = check.Items == check.DecisionsTotal && check.Decided == check.DecisionsMade
		e.m.Checks = append(e.m.Checks, check)
		e.m.Counts.Items += check.Items
		e.m.Counts.Decided += check.Decided
		total += check.Items
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	e.m.ChecksPass = true
	for _, c := range e.m.Checks {
		e.m.ChecksPass = e.m.ChecksPass && c.OK
	}
	e.done(ItemsCSV, d, total)

	if err := jw.Flush(); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	// CreateRaw writes the header as given: the MS-DOS time fields are set here, as
	// CreateHeader would from Modified.
	t := e.now.UTC()
	raw, err := e.zw.CreateRaw(&zip.FileHeader{Name: ItemsJSONL, Method: zip.Deflate, Modified: e.now,
		ModifiedDate: uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9),
		ModifiedTime: uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11),
		CRC32:        crc.Sum32(), CompressedSize64: uint64(size), UncompressedSize64: uint64(jd.n)})
	if err != nil {
		return err
	}
	if _, err := io.Copy(raw, tmp); err != nil {
		return err
	}
	e.done(ItemsJSONL, jd, total)
	return nil
}

// JSONItem is one line of items.jsonl: the CSV row's columns with their JSON types.
type JSONItem struct {
	CampaignID        string        `json:"campaign_id"`
	CampaignName      string        `json:"campaign_name"`
	CertificationID   string        `json:"certification_id"`
	CertificationName string        `json:"certification_name"`
	ReviewerType      string        `json:"reviewer_type"`
	ReviewerID        string        `json:"reviewer_id"`
	ReviewerName      string        `json:"reviewer_name"`
	IdentityID        string        `json:"identity_id"`
	IdentityName      string        `json:"identity_name"`
	ItemID            string        `json:"item_id"`
	AccessType        string        `json:"access_type"`
	AccessID          string        `json:"access_id"`
	AccessName        string        `json:"access_name"`
	SourceName        string        `json:"source_name"`
	AccountID         string        `json:"account_id"`
	Decision          *string       `json:"decision"`
	DecidedByID       *string       `json:"decided_by_id"`
	DecidedByName     *string       `json:"decided_by_name"`
	DecidedAt         *certsum.Time `json:"decided_at"`
	Bulk              bool          `json:"bulk"`
	Comments          *string       `json:"comments"`
	ProposedEndDate   *certsum.Time `json:"proposed_end_date"`
}

func jsonItem(c *certsum.EvidenceCertification, it *certsum.EvidenceItem) *JSONItem {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return &JSONItem{CampaignID: c.CampaignID, CampaignName: c.CampaignName, CertificationID: c.CertificationID,
		CertificationName: c.CertificationName, ReviewerType: string(c.Reviewer.Type), ReviewerID: c.Reviewer.ID,
		ReviewerName: c.Reviewer.Name, IdentityID: it.IdentityID, IdentityName: it.IdentityName, ItemID: it.ItemID,
		AccessType: string(it.AccessType), AccessID: it.AccessID, AccessName: it.AccessName, SourceName: it.SourceName,
		AccountID: it.AccountID, Decision: opt(string(it.Decision)), DecidedByID: opt(it.DecidedByID),
		DecidedByName: opt(it.DecidedByName), DecidedAt: it.DecidedAt, Bulk: it.Bulk, Comments: it.Comments,
		ProposedEndDate: it.ProposedEndDate}
}

func (e *entries) manifest() error {
	f, err := e.zw.CreateHeader(&zip.FileHeader{Name: ManifestJSON, Method: zip.Deflate, Modified: e.now})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return enc.Encode(e.m)
}

// neutralize applies certsum.NeutralizeCell to every cell of a row, in place.
func neutralize(row []string) []string {
	for i, s := range row {
		row[i] = certsum.NeutralizeCell(s)
	}
	return row
}

func timeCell(t *certsum.Time) string {
	if t == nil {
		return ""
	}
	return t.String()
}

// Authorize applies who may export what (docs/evidence.md): a user with one of
// certsum.CampaignReaders any
// campaign or certification; anyone else only a certification they review (the identity, or a
// member of its governance group). An unknown certification is not_found for everyone.
// Errors: invalid (the scope), not_found, forbidden.
func Authorize(ctx context.Context, st certsum.CertificationStore, levels []string, identityID string, scope certsum.EvidenceScope) error {
	if err := scope.Check(); err != nil {
		return err
	}
	for _, l := range levels {
		for _, r := range certsum.CampaignReaders {
			if l == r {
				return nil
			}
		}
	}
	if scope.CampaignID != "" {
		return certsum.Errorf(certsum.CodeForbidden, "a campaign's evidence is for ORG_ADMIN, CERT_ADMIN and REPORT_ADMIN users")
	}
	ok, err := st.IsReviewer(ctx, scope.CertificationID, identityID)
	if err != nil {
		return err
	}
	if !ok {
		return certsum.Errorf(certsum.CodeForbidden, "identity %s does not review certification %s", identityID, scope.CertificationID)
	}
	return nil
}

// Serve streams the evidence of scope as a download: the headers (application/zip, a file
// name made of the scope) go out with the first byte, so an error before it (the scope not
// found) can still be answered as an error. started reports whether anything was sent; an
// error after that leaves a broken ZIP, and the caller should cut the connection
// (http.ErrAbortHandler) so the download never looks whole.
func Serve(ctx context.Context, w http.ResponseWriter, st certsum.EvidenceStore, scope certsum.EvidenceScope, now time.Time) (started bool, err error) {
	d := &lazyDownload{w: w, name: "certsum-evidence-" + scope.Kind() + "-" + fileNamePart(scope.ID()) + ".zip"}
	_, err = Write(ctx, d, st, scope, now)
	return d.started, err
}

// lazyDownload writes a download's headers and status with its first byte.
type lazyDownload struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (d *lazyDownload) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", `attachment; filename="`+d.name+`"`)
		h.Set("Cache-Control", "no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(p)
}

// fileNamePart keeps the characters of s that are safe in a quoted file name (letters,
// digits, '.', '_' and '-'), so that no id can break the Content-Disposition header.
func fileNamePart(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' {
			b = append(b, c)
		}
	}
	return string(b)
}
