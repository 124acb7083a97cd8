package ui

import (
	"net/http"
	"net/url"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/evidence"
)

type option struct {
	ID, Name string
	Selected bool
}

type evidencePreview struct {
	Kind, Name                             string
	Certifications, Signed, Items, Decided int
	Download                               string
}

type evidencePage struct {
	Campaigns, Certifications []option
	Preview                   *evidencePreview
}

// scopeOf reads the scope a form chose: a certification when one is chosen, else a campaign.
func scopeOf(q url.Values) certsum.EvidenceScope {
	if c := q.Get("certificationId"); c != "" {
		return certsum.EvidenceScope{CertificationID: c}
	}
	return certsum.EvidenceScope{CampaignID: q.Get("campaignId")}
}

// evidence serves /ui/evidence: choose a campaign or a certification the viewer may export,
// see what the evidence will hold, download it.
func (h *handler) evidence(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	q := r.URL.Query()
	scope := scopeOf(q)
	var data evidencePage
	if v.reader() {
		ks, err := h.o.Store.ListCampaigns(ctx, certsum.ListQuery{Limit: certsum.MaxLimit})
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		for _, k := range ks.Items {
			data.Campaigns = append(data.Campaigns, option{ID: k.ID, Name: k.Name, Selected: k.ID == scope.CampaignID})
		}
	}
	f := certsum.CertificationFilter{}
	if !v.reader() {
		f.ReviewerID = v.principal.IdentityID
	}
	cs, err := h.o.Store.ListCertifications(ctx, f, certsum.ListQuery{Limit: certsum.MaxLimit})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	for _, c := range cs.Items {
		data.Certifications = append(data.Certifications, option{ID: c.ID, Name: c.Name, Selected: c.ID == scope.CertificationID})
	}
	if scope.ID() != "" {
		if err := evidence.Authorize(ctx, h.o.Store, v.principal.Levels, v.principal.IdentityID, scope); err != nil {
			h.fail(w, r, v, err)
			return
		}
		p := &evidencePreview{Kind: "Campaign"}
		dl := url.Values{}
		if scope.CampaignID != "" {
			ru, err := h.o.Store.CampaignRollup(ctx, scope.CampaignID)
			if err != nil {
				h.fail(w, r, v, err)
				return
			}
			p.Name, p.Certifications, p.Signed = ru.Campaign.Name, ru.Certifications.Total, ru.Certifications.Signed
			p.Items, p.Decided = ru.Decisions.Total, ru.Decisions.Made
			dl.Set("campaignId", scope.CampaignID)
		} else {
			c, err := h.o.Store.GetCertification(ctx, scope.CertificationID)
			if err != nil {
				h.fail(w, r, v, err)
				return
			}
			p.Kind, p.Name, p.Certifications, p.Items, p.Decided = "Certification", c.Name, 1, c.DecisionsTotal, c.DecisionsMade
			if c.Signed != nil {
				p.Signed = 1
			}
			dl.Set("certificationId", scope.CertificationID)
		}
		p.Download = "/ui/evidence/download?" + dl.Encode()
		data.Preview = p
	}
	h.render(w, r, http.StatusOK, "evidence", v, "Audit evidence", data)
}

// evidenceDownload serves /ui/evidence/download: the ZIP, with the API route's rules.
func (h *handler) evidenceDownload(w http.ResponseWriter, r *http.Request, v *viewer) {
	scope := certsum.EvidenceScope{CampaignID: r.URL.Query().Get("campaignId"), CertificationID: r.URL.Query().Get("certificationId")}
	if err := evidence.Authorize(r.Context(), h.o.Store, v.principal.Levels, v.principal.IdentityID, scope); err != nil {
		h.fail(w, r, v, err)
		return
	}
	started, err := evidence.Serve(r.Context(), w, h.o.Store, scope, h.now())
	if err != nil {
		if started {
			h.log.Error("evidence download failed after it began; the connection is cut", "id", scope.ID(), "err", err)
			panic(http.ErrAbortHandler)
		}
		h.fail(w, r, v, err)
	}
}
