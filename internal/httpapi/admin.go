package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/inventory"
)

// AdminPrefix is the path prefix of certsum's own administration routes, outside the
// SailPoint paths.
const AdminPrefix = "/certsum/v1"

// importsPath is where inventories are imported; its bodies may be as large as an input.
const importsPath = AdminPrefix + "/inventory/imports"

// adminRoute is one administration operation: method, pattern below AdminPrefix, the user
// levels of which the caller needs one, and the handler.
type adminRoute struct {
	method  string
	pattern string
	levels  []string
	h       handlerFunc
}

// adminRoutes lists certsum's administration operations.
func (s *server) adminRoutes() []adminRoute {
	org := []string{certsum.LevelOrgAdmin}
	return []adminRoute{
		{"POST", "/inventory/imports", org, s.postImport},
		{"GET", "/inventory/imports/{id}", org, s.getImport},
		{"GET", "/remediations", campaignAdmins, s.listRemediations},
		{"GET", "/remediations/summary", campaignAdmins, s.countRemediations},
		{"POST", "/remediations/complete", campaignAdmins, s.completeRemediations},
		{"POST", "/remediations/{id}/complete", campaignAdmins, s.completeRemediation},
		{"POST", "/campaign-filters", campaignAdmins, s.createCampaignFilter},
		{"GET", "/campaign-filters", campaignAdmins, s.listCampaignFilters},
		{"GET", "/campaign-filters/{id}", campaignAdmins, s.getCampaignFilter},
		{"POST", "/campaign-filters/{id}", campaignAdmins, s.updateCampaignFilter},
		{"POST", "/campaign-filters/delete", campaignAdmins, s.deleteCampaignFilters},
		{"GET", "/campaigns/{id}/rollup", campaignReaders, s.getCampaignRollup},
		{"GET", "/campaigns/{id}/reviewers", campaignReaders, s.listCampaignReviewers},
		{"GET", "/evidence", nil, s.getEvidence},
		{"GET", "/clock", org, s.getClock},
		{"POST", "/clock", org, s.moveClock},
	}
}

// adminMux serves the administration routes; wrong methods get 405 and unknown paths 404.
func (s *server) adminMux() http.Handler {
	mux := http.NewServeMux()
	byPattern := map[string]map[string]http.Handler{}
	var patterns []string
	for _, rt := range s.adminRoutes() {
		if byPattern[rt.pattern] == nil {
			byPattern[rt.pattern] = map[string]http.Handler{}
			patterns = append(patterns, rt.pattern)
		}
		byPattern[rt.pattern][rt.method] = requireAccess(s.ew, nil, rt.levels)(s.ew.adapt(rt.h))
	}
	for _, p := range patterns {
		mux.Handle(AdminPrefix+p, routed(AdminPrefix+p, methods(s.ew, byPattern[p])))
	}
	mux.Handle(AdminPrefix+"/", notFound(s.ew))
	return mux
}

// postImport accepts an inventory — a JSON document (application/json), or CSV files or one
// .c1z file as multipart/form-data — parses it, and imports it in the background. It
// answers 202 with the RUNNING report, whose id GET …/imports/{id} follows. Query
// parameters: dryRun, mode (snapshot or merge), scopeSourceId (repeatable), and for a .c1z
// sourceId, sourceName, sourceOwner. A body that does not parse is refused at once (400,
// each problem a message with its position).
func (s *server) postImport(w http.ResponseWriter, r *http.Request) error {
	q := queryValues(r)
	opts := certsum.ImportOptions{DryRun: q.Get("dryRun") == "true", ScopeSourceIDs: q["scopeSourceId"]}
	switch d := q.Get("dryRun"); d {
	case "", "true", "false":
	default:
		return certsum.Invalidf("dryRun", "dryRun must be true or false, not %q", d)
	}
	switch m := certsum.ImportMode(q.Get("mode")); m {
	case "", certsum.ImportSnapshot, certsum.ImportMerge:
		opts.Mode = m
	default:
		return certsum.Invalidf("mode", "mode must be snapshot or merge, not %q", m)
	}
	in, source, err := s.readImport(r, inventory.C1ZOptions{SourceID: q.Get("sourceId"), SourceName: q.Get("sourceName"),
		SourceOwner: q.Get("sourceOwner")})
	var problems certsum.InputProblems
	if errors.As(err, &problems) {
		return asContent(&certsum.Error{Code: certsum.CodeInvalid, Message: problems.Error(), Cause: problems})
	}
	if err != nil {
		return err
	}
	opts.Source = source
	opts.ID = certsum.NewID()
	running := certsum.NewImportReport(in, opts, certsum.NewTime(s.now()))
	if err := s.store.SaveImportReport(r.Context(), running); err != nil {
		return err
	}
	// The import outlives the request; its outcome is the kept report.
	go func() {
		ctx := context.WithoutCancel(r.Context())
		if _, err := s.store.ImportInventory(ctx, in, opts); err != nil && certsum.ErrorCode(err) != certsum.CodeInvalid {
			s.logger.Error("inventory import failed", "import", opts.ID, "err", err)
		}
	}()
	w.Header().Set("Location", importsPath+"/"+running.ID)
	return writeJSON(w, http.StatusAccepted, running, -1)
}

// getImport returns an import's report.
func (s *server) getImport(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.store.GetImportReport(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep, -1)
}

// readImport reads the body of an import: a JSON document, or a multipart form of CSV files
// (an inventory directory) or one .c1z file. It returns the input and a description of it.
func (s *server) readImport(r *http.Request, c1z inventory.C1ZOptions) (*certsum.InventoryInput, string, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	switch mt {
	case "application/json":
		in, err := inventory.ParseJSON(r.Body, "request body")
		if isTooLarge(err) {
			return nil, "", importTooLarge()
		}
		return in, "request body (JSON)", err
	case "multipart/form-data":
		return s.readMultipartImport(r, params["boundary"], c1z)
	}
	shown := r.Header.Get("Content-Type")
	if shown == "" {
		shown = "none"
	}
	return nil, "", &statusError{http.StatusUnsupportedMediaType, detailUnsupported,
		fmt.Sprintf("an inventory is sent as application/json or multipart/form-data (CSV files or one .c1z file), not %s", shown)}
}

// readMultipartImport saves the parts' files into a temporary directory and reads them as
// an inventory directory, or as the one .c1z file among them.
func (s *server) readMultipartImport(r *http.Request, boundary string, c1z inventory.C1ZOptions) (*certsum.InventoryInput, string, error) {
	if boundary == "" {
		return nil, "", asContent(certsum.Invalidf("", "the multipart body has no boundary"))
	}
	dir, err := os.MkdirTemp("", "certsum-import-*")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	mr := multipart.NewReader(r.Body, boundary)
	var names []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if isTooLarge(err) {
			return nil, "", importTooLarge()
		}
		if err != nil {
			return nil, "", asContent(certsum.Invalidf("", "the multipart body is malformed: %v", err))
		}
		name := filepath.Base(part.FileName())
		if part.FileName() == "" || name == "." || name == string(filepath.Separator) || strings.HasPrefix(name, ".") {
			_ = part.Close()
			return nil, "", asContent(certsum.Invalidf("", "every part must be a file with a name (field %q has none)", part.FormName()))
		}
		if slices.Contains(names, name) {
			return nil, "", asContent(certsum.Invalidf("", "the file %s is sent twice", name))
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, "", err
		}
		_, err = io.Copy(f, part)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if isTooLarge(err) {
			return nil, "", importTooLarge()
		}
		if err != nil {
			return nil, "", asContent(certsum.Invalidf("", "reading %s: %v", name, err))
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, "", asContent(certsum.Invalidf("", "the multipart body holds no file"))
	}
	path := dir
	if len(names) == 1 {
		if f, err := inventory.Detect(filepath.Join(dir, names[0])); err == nil && f == inventory.FormatC1Z {
			path = filepath.Join(dir, names[0])
		}
	}
	if path == dir && (c1z.SourceID != "" || c1z.SourceOwner != "") {
		return nil, "", certsum.Invalidf("sourceId", "sourceId and sourceOwner are for a .c1z file")
	}
	if path != dir {
		ids, err := s.store.LiveIdentities(r.Context())
		if err != nil {
			return nil, "", err
		}
		c1z.Correlate = inventory.NewCorrelation(ids, nil).Identity
		if c1z.SourceName == "" {
			c1z.SourceName = names[0]
		}
		if !certsum.ValidInputID(c1z.SourceID) {
			return nil, "", certsum.Invalidf("sourceId", "a .c1z import needs the query parameter sourceId: 1 to 255 of A-Z a-z 0-9 . _ ~ : @ + -")
		}
	}
	in, _, err := inventory.Read(r.Context(), path, c1z)
	var problems certsum.InputProblems
	if err != nil && !errors.As(err, &problems) {
		return nil, "", asContent(certsum.Invalidf("", "%v", strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")))
	}
	return in, "request body (" + strings.Join(names, ", ") + ")", err
}

// maxImportBytes bounds the body of an import: the largest input the parsers read.
const maxImportBytes = inventory.MaxInputBytes

func importTooLarge() error {
	return &statusError{http.StatusRequestEntityTooLarge, detailTooLarge,
		fmt.Sprintf("the inventory exceeds %d bytes", maxImportBytes)}
}

// clockState is the body of the clock routes.
type clockState struct {
	Now     certsum.Time `json:"now"`
	Offset  string       `json:"offset"`
	Movable bool         `json:"movable"`
}

func (s *server) clockState() clockState {
	if s.clock == nil {
		return clockState{Now: certsum.NewTime(s.now()), Offset: "0s"}
	}
	return clockState{Now: certsum.NewTime(s.clock.Now()), Offset: s.clock.Offset().String(), Movable: s.clock.Movable()}
}

// getClock returns the time certsum runs on and its offset from the wall clock.
func (s *server) getClock(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, s.clockState(), -1)
}

// moveClock moves the clock forward, on a server started with --test-clock: the body is
// {"advance": "72h"} (from the time now) or {"offset": "240h"} (from the wall clock). The
// deadline job runs at once. Errors: 403 on a server without --test-clock, 400 for a move
// backwards or a bad duration.
func (s *server) moveClock(w http.ResponseWriter, r *http.Request) error {
	if s.clock == nil || !s.clock.Movable() {
		return certsum.Errorf(certsum.CodeForbidden, "the clock can be moved only on a server started with --test-clock")
	}
	var body struct {
		Advance *string `json:"advance"`
		Offset  *string `json:"offset"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	var offset time.Duration
	switch {
	case (body.Advance == nil) == (body.Offset == nil):
		return asContent(certsum.Invalidf("body", "give one of advance and offset, durations such as \"72h\""))
	case body.Advance != nil:
		d, err := time.ParseDuration(*body.Advance)
		if err != nil || d < 0 {
			return asContent(certsum.Invalidf("advance", "advance must be a duration that is not negative, such as \"72h\", not %q", *body.Advance))
		}
		offset = s.clock.Offset() + d
	default:
		d, err := time.ParseDuration(*body.Offset)
		if err != nil {
			return asContent(certsum.Invalidf("offset", "offset must be a duration such as \"240h\", not %q", *body.Offset))
		}
		offset = d
	}
	if err := s.clock.Move(offset); err != nil {
		return asContent(err)
	}
	s.logger.Info("clock moved", "offset", offset.String(), "now", s.clock.Now())
	return writeJSON(w, http.StatusOK, s.clockState(), -1)
}

// listRemediations lists remediation items: query campaignId and status narrow it.
func (s *server) listRemediations(w http.ResponseWriter, r *http.Request) error {
	q := queryValues(r)
	items, err := s.store.ListRemediations(r.Context(), certsum.RemediationFilter{CampaignID: q.Get("campaignId"),
		Status: certsum.RemediationStatus(q.Get("status"))})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, items, len(items))
}

// countRemediations counts remediation items by status, of one campaign (campaignId) or all.
func (s *server) countRemediations(w http.ResponseWriter, r *http.Request) error {
	counts, err := s.store.CountRemediations(r.Context(), queryValues(r).Get("campaignId"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, counts, -1)
}

// completeRemediations marks the remediation items of the body ({"ids": [...]}) COMPLETED.
func (s *server) completeRemediations(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		IDs []string `json:"ids"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	return s.completeRemediationIDs(w, r, body.IDs)
}

// completeRemediation marks one remediation item COMPLETED.
func (s *server) completeRemediation(w http.ResponseWriter, r *http.Request) error {
	return s.completeRemediationIDs(w, r, []string{r.PathValue("id")})
}

func (s *server) completeRemediationIDs(w http.ResponseWriter, r *http.Request, ids []string) error {
	p, err := principal(r.Context())
	if err != nil {
		return err
	}
	n, err := s.store.CompleteRemediations(r.Context(), ids, p.IdentityID)
	if err != nil {
		if certsum.ErrorCode(err) == certsum.CodeNotFound {
			return err
		}
		return asContent(err)
	}
	return writeJSON(w, http.StatusOK, map[string]int{"completed": n}, -1)
}

// createCampaignFilter stores a campaign filter (the spec's CampaignFilterDetails; id and
// isSystemFilter are set by certsum).
func (s *server) createCampaignFilter(w http.ResponseWriter, r *http.Request) error {
	var f certsum.CampaignFilter
	if err := decodeBody(r, &f); err != nil {
		return err
	}
	if err := s.store.CreateCampaignFilter(r.Context(), &f); err != nil {
		return asContent(err)
	}
	return writeJSON(w, http.StatusOK, f, -1)
}

// listCampaignFilters returns {"items": [...], "count": n}, a page by name (limit, start).
func (s *server) listCampaignFilters(w http.ResponseWriter, r *http.Request) error {
	q := queryValues(r)
	limit, err := intParam(q, "limit", certsum.DefaultLimit, certsum.MaxLimit)
	if err != nil {
		return err
	}
	start, err := intParam(q, "start", 0, math.MaxInt32)
	if err != nil {
		return err
	}
	items, _, err := s.store.ListCampaignFilters(r.Context(), limit, start)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "count": len(items)}, -1)
}

// getCampaignFilter returns one campaign filter.
func (s *server) getCampaignFilter(w http.ResponseWriter, r *http.Request) error {
	f, err := s.store.GetCampaignFilter(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f, -1)
}

// updateCampaignFilter replaces a campaign filter; campaigns made with it keep the old one.
func (s *server) updateCampaignFilter(w http.ResponseWriter, r *http.Request) error {
	var f certsum.CampaignFilter
	if err := decodeBody(r, &f); err != nil {
		return err
	}
	f.ID = r.PathValue("id")
	if err := s.store.UpdateCampaignFilter(r.Context(), &f); err != nil {
		if certsum.ErrorCode(err) == certsum.CodeNotFound {
			// updateCampaignFilter documents no 404 in any generation: the filter the path
			// names is a reference that does not resolve (400.1.404).
			return certsum.Errorf(certsum.CodeReference, "%s", certsum.ErrorText(err))
		}
		return asContent(err)
	}
	return writeJSON(w, http.StatusOK, f, -1)
}

// deleteCampaignFilters deletes the filters whose ids the body lists, all or none: 204.
func (s *server) deleteCampaignFilters(w http.ResponseWriter, r *http.Request) error {
	var ids []string
	if err := decodeBody(r, &ids); err != nil {
		return err
	}
	if err := s.store.DeleteCampaignFilters(r.Context(), ids); err != nil {
		if certsum.ErrorCode(err) == certsum.CodeNotFound {
			return err
		}
		return asContent(err)
	}
	w.Header().Set("Content-Type", "application/json") // as on every answer; there is no body
	w.WriteHeader(http.StatusNoContent)
	return nil
}
