package ui

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/query"
)

// campaignRow is one campaign of /ui/campaigns with its roll-up.
type campaignRow struct {
	ID, Name, Type, Status string
	Signed, Certifications int
	Made, Total, Pending   int
	Percent                string
	Deadline, DeadlineDay  string
	Countdown, Urgency     string
	order                  int
	deadline               *certsum.Time
}

// certRow is one certification of a reviewer's /ui/campaigns.
type certRow struct {
	ID, Name, Campaign, Phase string
	Made, Total               int
	Percent                   string
	Due, DueDay               string
	Countdown, Urgency        string
}

type campaignsPage struct {
	Reader         bool
	Campaigns      []campaignRow
	Open, Unsigned int
	Certifications []certRow
}

// maxCampaigns bounds the campaigns /ui/campaigns lists.
const maxCampaigns = 1000

// campaigns serves /ui/campaigns: every campaign with its figures for those who see them
// all (active and overdue first), a reviewer's own certifications otherwise.
func (h *handler) campaigns(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	now := h.now()
	var data campaignsPage
	if !v.reader() {
		for off := 0; ; off += certsum.MaxLimit {
			p, err := h.o.Store.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: v.principal.IdentityID},
				certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off, Sort: []query.SortKey{{Field: "due"}}})
			if err != nil {
				h.fail(w, r, v, err)
				return
			}
			for _, c := range p.Items {
				row := certRow{ID: c.ID, Name: c.Name, Campaign: c.Campaign.Name, Phase: string(c.Phase),
					Made: c.DecisionsMade, Total: c.DecisionsTotal, Percent: percent(c.DecisionsMade, c.DecisionsTotal)}
				if c.Due != nil {
					row.Due, row.DueDay = c.Due.String(), day(c.Due)
					if c.Phase == certsum.PhaseActive {
						row.Countdown, row.Urgency = countdown(c.Due.Time, now)
					}
				}
				data.Certifications = append(data.Certifications, row)
			}
			if len(p.Items) < certsum.MaxLimit {
				break
			}
		}
		h.render(w, r, http.StatusOK, "campaigns", v, "Your certifications", data)
		return
	}
	data.Reader = true
	for off := 0; off < maxCampaigns; off += certsum.MaxLimit {
		p, err := h.o.Store.ListCampaigns(ctx, certsum.ListQuery{Limit: certsum.MaxLimit, Offset: off})
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		for _, k := range p.Items {
			ru, err := h.o.Store.CampaignRollup(ctx, k.ID)
			if err != nil {
				h.fail(w, r, v, err)
				return
			}
			row := campaignRow{ID: k.ID, Name: k.Name, Type: string(k.Type), Status: string(k.Status),
				Signed: ru.Certifications.Signed, Certifications: ru.Certifications.Total, Made: ru.Decisions.Made,
				Total: ru.Decisions.Total, Pending: ru.Decisions.Pending,
				Percent: percent(ru.Decisions.Made, ru.Decisions.Total), deadline: k.Deadline}
			if k.Deadline != nil {
				row.Deadline, row.DeadlineDay = k.Deadline.String(), day(k.Deadline)
			}
			switch k.Status {
			case certsum.StatusActive:
				row.order = 1
				if k.Deadline != nil {
					row.Countdown, row.Urgency = countdown(k.Deadline.Time, now)
					if row.Urgency == "overdue" {
						row.order = 0
					}
				}
				data.Open += row.Pending
				data.Unsigned += row.Certifications - row.Signed
			case certsum.StatusStaged, certsum.StatusPending, certsum.StatusActivating:
				row.order = 2
			case certsum.StatusCompleted, certsum.StatusCompleting:
				row.order = 4
			default:
				row.order = 3
			}
			data.Campaigns = append(data.Campaigns, row)
		}
		if len(p.Items) < certsum.MaxLimit {
			break
		}
	}
	slices.SortStableFunc(data.Campaigns, func(a, b campaignRow) int {
		if c := cmp.Compare(a.order, b.order); c != 0 {
			return c
		}
		switch {
		case a.deadline == nil && b.deadline != nil:
			return 1
		case a.deadline != nil && b.deadline == nil:
			return -1
		case a.deadline != nil && b.deadline != nil:
			if c := a.deadline.Compare(b.deadline.Time); c != 0 {
				return c
			}
		}
		return strings.Compare(a.Name, b.Name)
	})
	h.render(w, r, http.StatusOK, "campaigns", v, "Campaigns", data)
}

// sortLink is one way to order the reviewer table.
type sortLink struct {
	Label, Href string
	Current     bool
}

type campaignPage struct {
	Rollup                *certsum.CampaignRollup
	Percent               string
	Deadline, DeadlineDay string
	Countdown, Urgency    string
	Chart                 chart
	Reviewers             []certsum.ReviewerProgress
	Sorts                 []sortLink
	From, To              int
	TotalReviewers        int
	Prev, Next            string
	// OpenCerts: the viewer may open any certification (ORG_ADMIN, CERT_ADMIN); a
	// REPORT_ADMIN sees the figures but, as on the API, not the certifications themselves.
	OpenCerts bool
}

// reviewerSorts are the orders of the reviewer table, by the value of ?sort=.
var reviewerSorts = []struct{ key, label, sorters string }{
	{"remaining", "most remaining", "-remaining"},
	{"percent", "least done", "percent"},
	{"name", "name", "reviewer.name"},
}

// campaign serves /ui/campaigns/{id}: a campaign's figures, its decisions per item type as
// a chart and a table, its certifications by phase and its reviewers' progress.
func (h *handler) campaign(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	if !v.reader() {
		h.fail(w, r, v, certsum.Errorf(certsum.CodeForbidden,
			"a campaign's figures are for ORG_ADMIN, CERT_ADMIN and REPORT_ADMIN users; your certifications are on the campaigns page"))
		return
	}
	id := r.PathValue("id")
	ru, err := h.o.Store.CampaignRollup(ctx, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	qv := r.URL.Query()
	sortKey := qv.Get("sort")
	sorters := ""
	for _, s := range reviewerSorts {
		if s.key == sortKey {
			sorters = s.sorters
		}
	}
	if sorters == "" {
		sortKey, sorters = reviewerSorts[0].key, reviewerSorts[0].sorters
	}
	offset := 0
	if o := qv.Get("offset"); o != "" {
		if offset, err = strconv.Atoi(o); err != nil || offset < 0 {
			h.fail(w, r, v, certsum.Invalidf("offset", "offset must be a whole number that is not negative, not %q", o))
			return
		}
	}
	keys, err := certsum.ParseSorters(sorters, certsum.ReviewerProgressSchema)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p, err := h.o.Store.ListReviewerProgress(ctx, id, certsum.ListQuery{Limit: pageSize, Offset: offset, Sort: keys, Count: true})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	data := campaignPage{Rollup: ru, Percent: percent(ru.Decisions.Made, ru.Decisions.Total), Reviewers: p.Items,
		TotalReviewers: p.Total, Chart: decisionChart("chart", "Decisions per item type", ru.Decisions.ByType),
		OpenCerts: v.principal.IsAdmin()}
	if len(p.Items) > 0 {
		data.From, data.To = offset+1, offset+len(p.Items)
	}
	if d := ru.Campaign.Deadline; d != nil {
		data.Deadline, data.DeadlineDay = d.String(), day(d)
		if ru.Campaign.Status == certsum.StatusActive {
			data.Countdown, data.Urgency = countdown(d.Time, h.now())
		}
	}
	link := func(sort string, off int) string {
		q := url.Values{"sort": {sort}}
		if off > 0 {
			q.Set("offset", strconv.Itoa(off))
		}
		return "/ui/campaigns/" + url.PathEscape(id) + "?" + q.Encode()
	}
	for _, s := range reviewerSorts {
		data.Sorts = append(data.Sorts, sortLink{Label: s.label, Href: link(s.key, 0), Current: s.key == sortKey})
	}
	if offset > 0 {
		data.Prev = link(sortKey, max(0, offset-pageSize))
	}
	if offset+len(p.Items) < p.Total {
		data.Next = link(sortKey, offset+pageSize)
	}
	h.render(w, r, http.StatusOK, "campaign", v, ru.Campaign.Name, data)
}

// chart is a stacked horizontal bar chart drawn as inline SVG: one bar per item type, its
// approved, revoked and pending items as segments, the numbers printed beside it.
type chart struct {
	ID, Title, Desc string
	Width, Height   int
	Bars            []bar
	Rows            []certsum.TypeDecisionFigures // the data table under the chart
}

type bar struct {
	Label, Numbers  string
	TextY, NumbersX int
	Segments        []segment
}

type segment struct {
	Name, Class string
	Value       int
	X, Y, W, H  int
}

// Chart geometry, in SVG user units.
const (
	chartLabelW = 130
	chartBarW   = 420
	chartBarH   = 22
	chartGap    = 14
)

// decisionChart draws decisions per item type.
func decisionChart(id, title string, byType []certsum.TypeDecisionFigures) chart {
	c := chart{ID: id, Title: title, Width: 900, Rows: byType}
	var desc []string
	for i, t := range byType {
		y := i * (chartBarH + chartGap)
		b := bar{Label: string(t.Type), TextY: y + chartBarH - 6, NumbersX: chartLabelW + chartBarW + 12,
			Numbers: fmt.Sprintf("%d approved · %d revoked · %d pending of %d", t.Approved, t.Revoked, t.Pending, t.Total)}
		x := chartLabelW
		for _, s := range []struct {
			name, class string
			n           int
		}{{"approved", "approved", t.Approved}, {"revoked", "revoked", t.Revoked}, {"pending", "pending", t.Pending}} {
			w := 0
			if t.Total > 0 {
				w = s.n * chartBarW / t.Total
			}
			if s.class == "pending" && t.Total > 0 {
				w = chartLabelW + chartBarW - x // the rest, so rounding leaves no gap
			}
			b.Segments = append(b.Segments, segment{Name: s.name, Class: s.class, Value: s.n, X: x, Y: y, W: w, H: chartBarH})
			x += w
		}
		c.Bars = append(c.Bars, b)
		desc = append(desc, fmt.Sprintf("%s: %d approved, %d revoked, %d pending of %d", t.Type, t.Approved, t.Revoked, t.Pending, t.Total))
		c.Height = y + chartBarH + 4
	}
	c.Desc = strings.Join(desc, "; ") + "."
	return c
}
