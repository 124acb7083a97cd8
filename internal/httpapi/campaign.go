package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/certsum/certsum"
)

// The Certification Campaigns operations (API.md §5.7). They are for ORG_ADMIN and
// CERT_ADMIN users (the list also for REPORT_ADMIN), as the spec's x-sailpoint-userLevels
// say.

// campaignAdmins are the user levels of the campaign operations (x-sailpoint-userLevels);
// getActiveCampaigns also admits campaignReaders.
var (
	campaignAdmins  = []string{certsum.LevelOrgAdmin, certsum.LevelCertAdmin}
	campaignReaders = certsum.CampaignReaders
)

// detailParam reads detail=SLIM|FULL (SLIM by default).
func detailParam(r *http.Request) (full bool, err error) {
	switch d := queryValues(r).Get("detail"); d {
	case "", "SLIM":
		return false, nil
	case "FULL":
		return true, nil
	default:
		return false, certsum.Invalidf("detail", "detail must be SLIM or FULL, not %q", d)
	}
}

// withProgress adds the INFO alert of a running generation to a PENDING campaign.
func (s *server) withProgress(k *certsum.Campaign) {
	if k.Status != certsum.StatusPending || s.runner == nil {
		return
	}
	if a, ok := s.runner.ProgressAlert(k.ID); ok {
		k.Alerts = append(k.Alerts, a)
	}
}

// listCampaigns serves getActiveCampaigns.
func (s *server) listCampaigns(w http.ResponseWriter, r *http.Request) error {
	full, err := detailParam(r)
	if err != nil {
		return err
	}
	q, err := ParseListParams(queryValues(r), certsum.CampaignSchema)
	if err != nil {
		return err
	}
	page, err := s.store.ListCampaigns(r.Context(), q)
	if err != nil {
		return err
	}
	total := -1
	if q.Count {
		total = page.Total
	}
	if full {
		for i := range page.Items {
			s.withProgress(&page.Items[i])
		}
		return writeJSON(w, http.StatusOK, page.Items, total)
	}
	slim := make([]certsum.SlimCampaign, len(page.Items))
	for i := range page.Items {
		s.withProgress(&page.Items[i])
		slim[i] = page.Items[i].Slim()
	}
	return writeJSON(w, http.StatusOK, slim, total)
}

// getCampaign serves getCampaign.
func (s *server) getCampaign(w http.ResponseWriter, r *http.Request) error {
	full, err := detailParam(r)
	if err != nil {
		return err
	}
	k, err := s.store.GetCampaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.withProgress(k)
	if full {
		return writeJSON(w, http.StatusOK, k, -1)
	}
	return writeJSON(w, http.StatusOK, k.Slim(), -1)
}

// nullable is a JSON value whose presence is known: Set is true when the key was in the
// object, even with null.
type nullable[T any] struct {
	Set   bool
	Value *T
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(b, []byte("null")) {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// campaignBody is a createCampaign body: every key of the Campaign schema, the read-only
// ones accepted (SDKs send them, often as null) and ignored.
type campaignBody struct {
	ID                            json.RawMessage                  `json:"id"`
	Name                          *string                          `json:"name"`
	Description                   nullable[string]                 `json:"description"`
	Deadline                      *certsum.Time                    `json:"deadline"`
	Type                          *certsum.CampaignType            `json:"type"`
	EmailNotificationEnabled      *bool                            `json:"emailNotificationEnabled"`
	AutoRevokeAllowed             *bool                            `json:"autoRevokeAllowed"`
	RecommendationsEnabled        *bool                            `json:"recommendationsEnabled"`
	Status                        json.RawMessage                  `json:"status"`
	CorrelatedStatus              *certsum.CorrelatedStatus        `json:"correlatedStatus"`
	Created                       json.RawMessage                  `json:"created"`
	TotalCertifications           json.RawMessage                  `json:"totalCertifications"`
	CompletedCertifications       json.RawMessage                  `json:"completedCertifications"`
	Alerts                        json.RawMessage                  `json:"alerts"`
	Modified                      json.RawMessage                  `json:"modified"`
	Filter                        *certsum.CampaignFilterRef       `json:"filter"`
	SunsetCommentsRequired        *bool                            `json:"sunsetCommentsRequired"`
	SourceOwnerCampaignInfo       *certsum.SourceOwnerCampaignInfo `json:"sourceOwnerCampaignInfo"`
	SearchCampaignInfo            *certsum.SearchCampaignInfo      `json:"searchCampaignInfo"`
	RoleCompositionCampaignInfo   json.RawMessage                  `json:"roleCompositionCampaignInfo"`
	MachineAccountCampaignInfo    json.RawMessage                  `json:"machineAccountCampaignInfo"`
	SourcesWithOrphanEntitlements json.RawMessage                  `json:"sourcesWithOrphanEntitlements"`
	MandatoryCommentRequirement   *certsum.CommentRequirement      `json:"mandatoryCommentRequirement"`
}

// campaign returns the campaign a body asks for. Errors: invalid (a required key missing).
func (b *campaignBody) campaign() (*certsum.Campaign, error) {
	switch {
	case b.Name == nil:
		return nil, certsum.Invalidf("name", "name is required")
	case !b.Description.Set:
		return nil, certsum.Invalidf("description", "description is required (it may be null)")
	case b.Type == nil:
		return nil, certsum.Invalidf("type", "type is required")
	}
	k := &certsum.Campaign{Name: *b.Name, Description: b.Description.Value, Deadline: b.Deadline, Type: *b.Type,
		Filter: b.Filter, SunsetCommentsRequired: true, SourceOwnerCampaignInfo: b.SourceOwnerCampaignInfo,
		SearchCampaignInfo: b.SearchCampaignInfo}
	for dst, src := range map[*bool]*bool{&k.EmailNotificationEnabled: b.EmailNotificationEnabled,
		&k.AutoRevokeAllowed: b.AutoRevokeAllowed, &k.RecommendationsEnabled: b.RecommendationsEnabled,
		&k.SunsetCommentsRequired: b.SunsetCommentsRequired} {
		if src != nil {
			*dst = *src
		}
	}
	if b.CorrelatedStatus != nil {
		k.CorrelatedStatus = *b.CorrelatedStatus
	}
	if b.MandatoryCommentRequirement != nil {
		k.MandatoryCommentRequirement = *b.MandatoryCommentRequirement
	}
	for name, raw := range map[string]json.RawMessage{"roleCompositionCampaignInfo": b.RoleCompositionCampaignInfo,
		"machineAccountCampaignInfo": b.MachineAccountCampaignInfo} {
		if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) && k.Type != certsum.CampaignRoleComposition &&
			k.Type != certsum.CampaignMachineAccount {
			return nil, certsum.Invalidf(name, "a %s campaign takes no %s", k.Type, name)
		}
	}
	return k, nil
}

// createCampaign serves createCampaign: the campaign is stored PENDING and answered 202;
// its certifications are generated in the background, after which it is STAGED (or ERROR).
func (s *server) createCampaign(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r.Context())
	if err != nil {
		return err
	}
	var body campaignBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	k, err := body.campaign()
	if err != nil {
		return asContent(err)
	}
	if err := s.store.CreateCampaign(r.Context(), k, p.IdentityID); err != nil {
		return asContent(err)
	}
	if s.runner != nil {
		s.runner.Generate(k.ID)
	}
	return writeJSON(w, http.StatusAccepted, k, -1)
}

// timeZonePattern is the accepted forms of ActivateCampaignOptions.timeZone (API.md §5.7).
var timeZonePattern = regexp.MustCompile(`^(Z|[+-](0\d|1[0-4])(:?[0-5]\d)?)$`)

// startCampaign serves startCampaign: a STAGED campaign with a deadline in the future
// becomes ACTIVE with its certifications. The body's timeZone is checked; the deadline
// stays the instant the campaign holds.
func (s *server) startCampaign(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		TimeZone *string `json:"timeZone"`
	}
	if r.ContentLength != 0 {
		if err := decodeBody(r, &body); err != nil {
			return err
		}
	}
	if body.TimeZone != nil && !timeZonePattern.MatchString(*body.TimeZone) {
		return asContent(certsum.Invalidf("timeZone", "timeZone %q is not Z, ±hh:mm, ±hhmm or ±hh", *body.TimeZone))
	}
	id := r.PathValue("id")
	k, err := s.store.GetCampaign(r.Context(), id)
	if err != nil {
		return err
	}
	if k.Deadline == nil {
		return asContent(certsum.Conflictf("campaign %s has no deadline; a campaign is activated with a deadline in the future", id))
	}
	if err := s.store.ActivateCampaign(r.Context(), id, *k.Deadline); err != nil {
		return asContent(err)
	}
	return writeJSON(w, http.StatusAccepted, struct{}{}, -1)
}

// completeCampaign serves completeCampaign.
func (s *server) completeCampaign(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r.Context())
	if err != nil {
		return err
	}
	var body struct {
		AutoCompleteAction *certsum.Decision `json:"autoCompleteAction"`
	}
	if r.ContentLength != 0 {
		if err := decodeBody(r, &body); err != nil {
			return err
		}
	}
	action := certsum.Approve
	if body.AutoCompleteAction != nil {
		action = *body.AutoCompleteAction
	}
	if err := s.store.CompleteCampaign(r.Context(), r.PathValue("id"), action, p.IdentityID); err != nil {
		return asContent(err)
	}
	return writeJSON(w, http.StatusAccepted, struct{}{}, -1)
}

// deleteCampaigns serves deleteCampaigns.
func (s *server) deleteCampaigns(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		IDs []string `json:"ids"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if err := s.store.DeleteCampaigns(r.Context(), body.IDs); err != nil {
		if certsum.ErrorCode(err) == certsum.CodeNotFound {
			return err
		}
		return asContent(err)
	}
	return writeJSON(w, http.StatusAccepted, struct{}{}, -1)
}
