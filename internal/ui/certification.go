package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/query"
)

// The certification pages: a certification with its tabs, one identity's items, and the
// forms that decide and sign off, each applying the API's rules through the same store
// operations.

// tabs are the certification page's tabs, by ?tab=.
var tabs = []struct{ key, label string }{
	{"identities", "Identities"},
	{"roles", "Roles"},
	{"access-profiles", "Access profiles"},
	{"entitlements", "Entitlements"},
}

var tabType = map[string]certsum.DtoType{"roles": certsum.TypeRole, "access-profiles": certsum.TypeAccessProfile,
	"entitlements": certsum.TypeEntitlement}

// notices are the messages a redirect after a form may show, by ?notice=.
var notices = map[string]string{
	"decided": "Your decisions were saved.",
	"signed":  "The certification is signed off.",
}

type accessRow struct {
	ID, Name, Source, Description string
	Privileged                    bool
}

type certificationPage struct {
	Cert                            *certsum.Certification
	CampaignLink                    string
	Percent                         string
	Due, DueDay, Countdown, Urgency string
	Signed                          string
	Notice                          string
	Chart                           chart
	CanSignOff                      bool
	SignOffNote                     string
	Tabs                            []sortLink
	Tab, TabLabel                   string
	Filters, Sorters, FilterExample string
	Identities                      []certsum.IdentitySummary
	Access                          []accessRow
	From, To, Total                 int
	Prev, Next                      string
}

// typeFigures turns a decision summary into figures per item type.
func typeFigures(s *certsum.DecisionSummary) []certsum.TypeDecisionFigures {
	return certsum.NewRollupDecisions(s.Tally()).ByType
}

// offsetOf reads ?offset= (0 when absent). Errors: invalid.
func offsetOf(q url.Values) (int, error) {
	o := q.Get("offset")
	if o == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(o)
	if err != nil || n < 0 {
		return 0, certsum.Invalidf("offset", "offset must be a whole number that is not negative, not %q", o)
	}
	return n, nil
}

// listQuery reads the filters, sorters and offset of a tab against its schema. Errors:
// invalid, with the grammar's own message.
func listQuery(q url.Values, s *query.Schema) (certsum.ListQuery, error) {
	lq := certsum.ListQuery{Limit: pageSize, Count: true}
	var err error
	if lq.Offset, err = offsetOf(q); err != nil {
		return lq, err
	}
	if f := strings.TrimSpace(q.Get("filters")); f != "" {
		if lq.Filter, err = certsum.ParseFilter(f, s); err != nil {
			return lq, err
		}
	}
	if so := strings.TrimSpace(q.Get("sorters")); so != "" {
		if lq.Sort, err = certsum.ParseSorters(so, s); err != nil {
			return lq, err
		}
	}
	return lq, nil
}

// certFor returns the certification of the request's {id} when the viewer may act on it
// (auth.MayActOnCertification), else renders the refusal and returns false.
func (h *handler) certFor(w http.ResponseWriter, r *http.Request, v *viewer) (*certsum.Certification, bool) {
	id := r.PathValue("id")
	err := auth.MayActOnCertification(r.Context(), h.o.Store, v.principal, id)
	var c *certsum.Certification
	if err == nil {
		c, err = h.o.Store.GetCertification(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, v, err)
		return nil, false
	}
	return c, true
}

// certification serves /ui/certifications/{id}?tab=…&filters=…&sorters=…&offset=….
func (h *handler) certification(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	c, ok := h.certFor(w, r, v)
	if !ok {
		return
	}
	id := c.ID
	ds, err := h.o.Store.DecisionSummary(ctx, id, nil)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	q := r.URL.Query()
	tab := q.Get("tab")
	if _, ok := tabType[tab]; !ok {
		tab = "identities"
	}
	data := certificationPage{Cert: c, Percent: percent(c.DecisionsMade, c.DecisionsTotal), Tab: tab,
		Filters: q.Get("filters"), Sorters: q.Get("sorters"), Notice: notices[q.Get("notice")],
		Chart: decisionChart("chart", "Decisions per item type", typeFigures(ds))}
	if v.reader() {
		data.CampaignLink = "/ui/campaigns/" + url.PathEscape(c.Campaign.ID)
	}
	if c.Due != nil {
		data.Due, data.DueDay = c.Due.String(), day(c.Due)
		if c.Phase == certsum.PhaseActive {
			data.Countdown, data.Urgency = countdown(c.Due.Time, h.now())
		}
	}
	if c.Signed != nil {
		data.Signed = c.Signed.String()
	}
	switch {
	case c.Phase != certsum.PhaseActive:
	case c.Reviewer.Type == certsum.TypeGovernanceGroup:
		data.SignOffNote = "A certification reviewed by a governance group is decided and signed off outside certsum's dashboard and API."
	case c.DecisionsMade < c.DecisionsTotal:
		data.SignOffNote = strconv.Itoa(c.DecisionsTotal-c.DecisionsMade) + " decisions are left before it can be signed off."
	default:
		data.CanSignOff = true
	}
	link := func(tab string, off int, keepQuery bool) string {
		u := url.Values{"tab": {tab}}
		if keepQuery {
			if f := q.Get("filters"); f != "" {
				u.Set("filters", f)
			}
			if s := q.Get("sorters"); s != "" {
				u.Set("sorters", s)
			}
		}
		if off > 0 {
			u.Set("offset", strconv.Itoa(off))
		}
		return "/ui/certifications/" + url.PathEscape(id) + "?" + u.Encode()
	}
	for _, t := range tabs {
		data.Tabs = append(data.Tabs, sortLink{Label: t.label, Href: link(t.key, 0, false), Current: t.key == tab})
		if t.key == tab {
			data.TabLabel = t.label
		}
	}
	var n, total, offset int
	if tab == "identities" {
		data.FilterExample = `name sw "a"`
		lq, err := listQuery(q, certsum.IdentitySummarySchema)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		p, err := h.o.Store.ListIdentitySummaries(ctx, id, lq)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		data.Identities, n, total, offset = p.Items, len(p.Items), p.Total, lq.Offset
	} else {
		data.FilterExample = `access.name sw "a"`
		lq, err := listQuery(q, certsum.AccessSummarySchema)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		p, err := h.o.Store.ListAccessSummaries(ctx, id, tabType[tab], lq)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		for _, a := range p.Items {
			row := accessRow{ID: a.Access.ID, Name: a.Access.Name}
			switch {
			case a.Entitlement != nil:
				row.Source, row.Privileged = a.Entitlement.SourceName, a.Entitlement.Privileged
				if a.Entitlement.Description != nil {
					row.Description = *a.Entitlement.Description
				}
			case a.AccessProfile != nil:
				row.Privileged, row.Description = a.AccessProfile.Privileged, a.AccessProfile.Description
			case a.Role != nil:
				row.Privileged, row.Description = a.Role.Privileged, a.Role.Description
			}
			data.Access = append(data.Access, row)
		}
		n, total, offset = len(p.Items), p.Total, lq.Offset
	}
	data.Total = total
	if n > 0 {
		data.From, data.To = offset+1, offset+n
	}
	if offset > 0 {
		data.Prev = link(tab, max(0, offset-pageSize), true)
	}
	if offset+n < total {
		data.Next = link(tab, offset+pageSize, true)
	}
	h.render(w, r, http.StatusOK, "certification", v, c.Name, data)
}

type itemRow struct {
	ID, Name, Type, Decision              string
	DecidedAt, DecidedBy, ProposedEndDate string
	Comments                              string
	Bulk                                  bool
}

type identityPage struct {
	Cert            *certsum.Certification
	Summary         *certsum.IdentitySummary
	Notice          string
	Chart           chart
	Items           []itemRow
	CanDecide       bool
	From, To, Total int
	Prev, Next      string
}

// identity serves /ui/certifications/{id}/identities/{sid}: one identity's decision summary
// and items, each with its latest audit record; the reviewer decides from here.
func (h *handler) identity(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	c, ok := h.certFor(w, r, v)
	if !ok {
		return
	}
	id, sid := c.ID, r.PathValue("sid")
	s, err := h.o.Store.GetIdentitySummary(ctx, id, sid)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	of := `identitySummary.id eq "` + strings.ReplaceAll(sid, `"`, ``) + `"`
	dsFilter, err := certsum.ParseFilter(of, certsum.DecisionSummarySchema)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	ds, err := h.o.Store.DecisionSummary(ctx, id, dsFilter)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	q := r.URL.Query()
	offset, err := offsetOf(q)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	itemFilter, err := certsum.ParseFilter(of, certsum.ReviewItemSchema)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p, err := h.o.Store.ListReviewItems(ctx, id, certsum.ReviewItemFilter{},
		certsum.ListQuery{Filter: itemFilter, Limit: pageSize, Offset: offset, Count: true})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	data := identityPage{Cert: c, Summary: s, Notice: notices[q.Get("notice")], Total: p.Total,
		Chart:     decisionChart("chart", "Decisions on "+s.Name+"'s access", typeFigures(ds)),
		CanDecide: c.Phase == certsum.PhaseActive && c.Reviewer.Type == certsum.TypeIdentity}
	names := map[string]string{}
	for _, it := range p.Items {
		row := itemRow{ID: it.ID, Name: it.AccessSummary.Access.Name, Type: string(it.AccessSummary.Access.Type),
			Decision: string(it.Decision)}
		if it.Comments != nil {
			row.Comments = *it.Comments
		}
		if it.Decision != "" {
			hist, err := h.o.Store.DecisionHistory(ctx, id, it.ID)
			if err != nil {
				h.fail(w, r, v, err)
				return
			}
			if len(hist) > 0 {
				last := hist[len(hist)-1]
				row.DecidedAt, row.Bulk = last.DecidedAt.String(), last.Bulk
				if last.ProposedEndDate != nil {
					row.ProposedEndDate = last.ProposedEndDate.String()
				}
				name, ok := names[last.DecidedBy]
				if !ok {
					name = last.DecidedBy
					if who, err := h.o.Store.FindIdentity(ctx, last.DecidedBy); err == nil {
						name = who.Name
					}
					names[last.DecidedBy] = name
				}
				row.DecidedBy = name
			}
		}
		data.Items = append(data.Items, row)
	}
	if len(p.Items) > 0 {
		data.From, data.To = offset+1, offset+len(p.Items)
	}
	link := func(off int) string {
		return "/ui/certifications/" + url.PathEscape(id) + "/identities/" + url.PathEscape(sid) + "?offset=" + strconv.Itoa(off)
	}
	if offset > 0 {
		data.Prev = link(max(0, offset-pageSize))
	}
	if offset+len(p.Items) < p.Total {
		data.Next = link(offset + pageSize)
	}
	h.render(w, r, http.StatusOK, "identity", v, s.Name, data)
}

// formAction checks a form post on a certification: its CSRF token, the viewer's right to
// act on the certification, and that it is not reviewed by a governance group (as the API's
// decide and sign-off). It returns the certification.
func (h *handler) formAction(w http.ResponseWriter, r *http.Request, v *viewer) (*certsum.Certification, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, v, certsum.Invalidf("form", "the form could not be read"))
		return nil, false
	}
	if !sameToken(v.session.csrf, r.PostForm.Get("csrf")) {
		h.render(w, r, http.StatusForbidden, "error", v, "Expired form",
			errorPage{"Expired form", "The form was not the one certsum gave this page. Reload the page and try again."})
		return nil, false
	}
	c, ok := h.certFor(w, r, v)
	if !ok {
		return nil, false
	}
	if c.Reviewer.Type == certsum.TypeGovernanceGroup {
		h.fail(w, r, v, certsum.Conflictf("certification %s is reviewed by a governance group; its decisions are not made here", c.ID))
		return nil, false
	}
	return c, true
}

// decide serves the identity page's form: a decision for each item the form chose, in one
// request to the store (all or nothing, with the API's rules), then back to the page.
func (h *handler) decide(w http.ResponseWriter, r *http.Request, v *viewer) {
	c, ok := h.formAction(w, r, v)
	if !ok {
		return
	}
	var ds []certsum.ReviewDecision
	for key, vals := range r.PostForm {
		itemID, isDecision := strings.CutPrefix(key, "d-")
		if !isDecision || len(vals) != 1 || vals[0] == "" {
			continue
		}
		d := certsum.ReviewDecision{ID: itemID, Decision: certsum.Decision(vals[0])}
		if cm := strings.TrimSpace(r.PostForm.Get("c-" + itemID)); cm != "" {
			d.Comments = &cm
		}
		if e := r.PostForm.Get("e-" + itemID); e != "" {
			t, err := time.Parse("2006-01-02", e)
			if err != nil {
				h.fail(w, r, v, certsum.Invalidf("proposedEndDate", "the end date of item %s is not a date: %q", itemID, e))
				return
			}
			pt := certsum.NewTime(t)
			d.ProposedEndDate = &pt
		}
		ds = append(ds, d)
	}
	back := "/ui/certifications/" + url.PathEscape(c.ID)
	if sid := r.PostForm.Get("identity"); sid != "" {
		back += "/identities/" + url.PathEscape(sid)
	}
	if len(ds) == 0 {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	bulk := len(ds) > 1
	for i := range ds {
		ds[i].Bulk = &bulk
	}
	if _, err := h.o.Store.Decide(r.Context(), c.ID, v.principal.IdentityID, ds); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if h.o.Decided != nil {
		h.o.Decided(ds)
	}
	http.Redirect(w, r, back+"?notice=decided", http.StatusSeeOther)
}

// signOff serves the certification page's sign-off form.
func (h *handler) signOff(w http.ResponseWriter, r *http.Request, v *viewer) {
	c, ok := h.formAction(w, r, v)
	if !ok {
		return
	}
	if _, err := h.o.Store.SignOff(r.Context(), c.ID, v.principal.IdentityID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/ui/certifications/"+url.PathEscape(c.ID)+"?notice=signed", http.StatusSeeOther)
}
