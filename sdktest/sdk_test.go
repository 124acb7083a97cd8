package sdktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/httpapi"
	"github.com/certsum/certsum/query"
	"github.com/google/go-cmp/cmp"
	sailpoint "github.com/sailpoint-oss/golang-sdk/v2"
	v2024 "github.com/sailpoint-oss/golang-sdk/v2/api_v2024"
)

// newSDK returns the official Go SDK configured the way its users configure it: from
// SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET. Each call builds a new client with
// its own token cache.
func newSDK(t testing.TB, s *server, c auth.Credentials) *sailpoint.APIClient {
	t.Helper()
	return newSDKAt(t, s.URL, c)
}

// newSDKAt is newSDK with SAIL_BASE_URL set to baseURL.
func newSDKAt(t testing.TB, baseURL string, c auth.Credentials) *sailpoint.APIClient {
	t.Helper()
	t.Setenv("SAIL_BASE_URL", baseURL)
	t.Setenv("SAIL_CLIENT_ID", c.Client.ID)
	t.Setenv("SAIL_CLIENT_SECRET", c.Secret)
	return sailpoint.NewAPIClient(sailpoint.NewDefaultConfiguration())
}

// timeEqual compares certsum times as instants; go-cmp cannot look inside time.Time.
var timeEqual = cmp.Comparer(func(a, b certsum.Time) bool { return a.Equal(b.Time) })

// mustAs re-reads what the SDK decoded as certsum's own wire type T: the SDK model is
// marshalled with the SDK's own MarshalJSON and unmarshalled into T. Comparing the result
// with the store's value proves that every field reached the SDK with the store's value; a
// date-time the SDK could not parse (it silently keeps the zero time) shows up as a
// difference too.
func mustAs[T any](t testing.TB, sdkValue any) T {
	t.Helper()
	b, err := json.Marshal(sdkValue)
	if err != nil {
		t.Fatalf("marshal SDK value %T: %v", sdkValue, err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("read SDK value %T as %T: %v\n%s", sdkValue, out, err, b)
	}
	return out
}

// mustAgree fails when what the SDK decoded differs from want, the store's value.
func mustAgree[T any](t testing.TB, what string, sdkValue any, want T) {
	t.Helper()
	got := mustAs[T](t, sdkValue)
	// Equal JSON renderings are equal values; go-cmp, slow on thousands of review items,
	// only runs to explain a difference.
	if wb, err := json.Marshal(want); err == nil {
		if gb, err := json.Marshal(got); err == nil && bytes.Equal(wb, gb) {
			mustNoExtraKeys(t, what, sdkValue)
			return
		}
	}
	if d := cmp.Diff(want, got, timeEqual); d != "" {
		t.Errorf("%s: the SDK decoded something else than the store holds (-store +sdk):\n%s", what, d)
	}
	mustNoExtraKeys(t, what, sdkValue)
}

// mustNoExtraKeys fails when any model the SDK decoded kept keys in AdditionalProperties,
// that is keys certsum sent that the v2024 schema does not define.
func mustNoExtraKeys(t testing.TB, what string, v any) {
	t.Helper()
	var found []string
	walkExtra(reflect.ValueOf(v), what, &found, 0)
	if len(found) > 0 {
		t.Errorf("%s: certsum sent keys the v2024 schema does not define:\n  %s", what, strings.Join(found, "\n  "))
	}
}

func walkExtra(v reflect.Value, path string, found *[]string, depth int) {
	if depth > 20 || !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkExtra(v.Elem(), path, found, depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkExtra(v.Index(i), path+"["+strconv.Itoa(i)+"]", found, depth+1)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			fv := v.Field(i)
			if f.Name == "AdditionalProperties" && fv.Kind() == reflect.Map {
				for _, k := range fv.MapKeys() {
					*found = append(*found, path+"."+k.String())
				}
				continue
			}
			if f.Type.PkgPath() == "time" {
				continue
			}
			walkExtra(fv, path+"."+f.Name, found, depth+1)
		}
	}
}

// mustQuery builds the store's ListQuery from the same parameters the SDK sends, the way
// certsum's handlers do.
func mustQuery(t testing.TB, s *query.Schema, params map[string]string) certsum.ListQuery {
	t.Helper()
	v := url.Values{}
	for k, val := range params {
		v.Set(k, val)
	}
	q, err := httpapi.ParseListParams(v, s)
	if err != nil {
		t.Fatalf("parameters %v: %v", params, err)
	}
	return q
}

// totalCount reads X-Total-Count, failing when it is missing or not a number.
func totalCount(t testing.TB, resp *http.Response) int {
	t.Helper()
	if resp == nil {
		t.Fatal("no HTTP response")
	}
	h := resp.Header.Get("X-Total-Count")
	n, err := strconv.Atoi(h)
	if err != nil {
		t.Fatalf("X-Total-Count is %q, want a number", h)
	}
	return n
}

// mustOK fails on an SDK error, showing the body certsum sent.
func mustOK(t testing.TB, what string, resp *http.Response, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var oe *v2024.GenericOpenAPIError
	if errors.As(err, &oe) {
		t.Fatalf("%s: %v (status %d)\nbody: %s", what, err, status(resp), oe.Body())
	}
	t.Fatalf("%s: %v (status %d)", what, err, status(resp))
}

// status is the response's status code, 0 without a response.
func status(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// mustErrorStatus fails unless the SDK returned an error with the given status and decoded
// certsum's ErrorResponseDto (detailCode, trackingId and a message) into its model.
func mustErrorStatus(t testing.TB, what string, want int, resp *http.Response, err error) v2024.ErrorResponseDto {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: the SDK returned no error, want status %d", what, want)
	}
	if got := status(resp); got != want {
		t.Fatalf("%s: status %d (%v), want %d", what, got, err, want)
	}
	var oe *v2024.GenericOpenAPIError
	if !errors.As(err, &oe) {
		t.Fatalf("%s: error %T %v, want the SDK's GenericOpenAPIError", what, err, err)
	}
	dto, ok := oe.Model().(v2024.ErrorResponseDto)
	if !ok {
		t.Fatalf("%s: the SDK decoded the error body as %T (%v), want ErrorResponseDto\nbody: %s", what, oe.Model(), err, oe.Body())
	}
	if !strings.HasPrefix(dto.GetDetailCode(), strconv.Itoa(want)) {
		t.Errorf("%s: detailCode %q does not start with %d", what, dto.GetDetailCode(), want)
	}
	if dto.GetTrackingId() == "" {
		t.Errorf("%s: no trackingId", what)
	}
	if len(dto.GetMessages()) == 0 || dto.GetMessages()[0].GetText() == "" {
		t.Errorf("%s: no message text in %s", what, oe.Body())
	}
	return dto
}

// certificationWith returns the ACTIVE identity-reviewed certification of the campaign type
// with the most review items that has undecided items and items of every access type in
// types; it fails when there is none.
func certificationWith(t testing.TB, s *server, ct certsum.CampaignType, types ...certsum.DtoType) certsum.Certification {
	t.Helper()
	ctx := context.Background()
	certs := mustAllCerts(t, s, certsum.CertificationFilter{})
	sortCerts(certs)
	for _, c := range certs {
		if c.Phase != certsum.PhaseActive || c.Reviewer.Type != certsum.TypeIdentity || c.Campaign.CampaignType != ct ||
			c.DecisionsMade == c.DecisionsTotal {
			continue
		}
		ds, err := s.Store.DecisionSummary(ctx, c.ID, nil)
		if err != nil {
			t.Fatalf("decision summary of %s: %v", c.ID, err)
		}
		totals := map[certsum.DtoType]int{
			certsum.TypeRole: ds.RoleDecisionsTotal, certsum.TypeAccessProfile: ds.AccessProfileDecisionsTotal,
			certsum.TypeEntitlement: ds.EntitlementDecisionsTotal, certsum.TypeAccount: ds.AccountDecisionsTotal,
		}
		ok := true
		for _, typ := range types {
			ok = ok && totals[typ] > 0
		}
		if ok {
			return c
		}
	}
	t.Fatalf("the demo dataset has no active %s certification with items of types %v", ct, types)
	return certsum.Certification{}
}

// reviewerOf returns the credentials of the identity reviewing c.
func reviewerOf(t testing.TB, s *server, c certsum.Certification) auth.Credentials {
	t.Helper()
	for _, r := range s.Reviewers {
		if r.Client.IdentityID == c.Reviewer.ID {
			return r
		}
	}
	t.Fatalf("no client for reviewer %s of %s", c.Reviewer.ID, c.ID)
	return auth.Credentials{}
}

// mustAllItems returns every review item of a certification from the store that q's
// filter and sort select, ignoring its paging.
func mustAllItems(t testing.TB, s *server, certID string, q certsum.ListQuery) []certsum.AccessReviewItem {
	t.Helper()
	return mustWalk(t, q, func(q certsum.ListQuery) (certsum.Page[certsum.AccessReviewItem], error) {
		return s.Store.ListReviewItems(context.Background(), certID, certsum.ReviewItemFilter{}, q)
	})
}

// mustWalk reads a whole collection from the store, page by page, with q's filter and sort.
func mustWalk[T any](t testing.TB, q certsum.ListQuery, list func(certsum.ListQuery) (certsum.Page[T], error)) []T {
	t.Helper()
	all := []T{}
	q.Limit, q.Count = certsum.MaxLimit, false
	for q.Offset = 0; ; q.Offset += certsum.MaxLimit {
		page, err := list(q)
		if err != nil {
			t.Fatalf("walk %T: %v", all, err)
		}
		all = append(all, page.Items...)
		if len(page.Items) < certsum.MaxLimit {
			return all
		}
	}
}

// ids returns the ids of the values, sorted.
func ids[T any](vs []T, id func(T) string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = id(v)
	}
	sort.Strings(out)
	return out
}

// withParams sets the standard collection parameters on an SDK request builder (any of the
// generated Api…Request types) from the same map mustQuery reads, so the SDK and the store
// are asked the same question.
func withParams[R any](t testing.TB, req R, params map[string]string) R {
	t.Helper()
	for k, v := range params {
		var arg any
		var method string
		switch k {
		case "limit", "offset":
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("%s=%q: %v", k, v, err)
			}
			method, arg = strings.ToUpper(k[:1])+k[1:], int32(n)
		case "count":
			method, arg = "Count", v == "true"
		case "filters":
			method, arg = "Filters", v
		case "sorters":
			method, arg = "Sorters", v
		default:
			t.Fatalf("unknown parameter %q", k)
		}
		m := reflect.ValueOf(req).MethodByName(method)
		if !m.IsValid() {
			t.Fatalf("%T has no %s", req, method)
		}
		req = m.Call([]reflect.Value{reflect.ValueOf(arg)})[0].Interface().(R)
	}
	return req
}

// sailpointAll walks a collection with the SDK's own paginator.
func sailpointAll[T any](req any) ([]T, *http.Response, error) {
	return sailpoint.PaginateWithDefaults[T](req)
}

// mustAllCerts returns every certification the store lists for f, in the default order.
func mustAllCerts(t testing.TB, s *server, f certsum.CertificationFilter) []certsum.Certification {
	t.Helper()
	return mustWalk(t, certsum.ListQuery{}, func(q certsum.ListQuery) (certsum.Page[certsum.Certification], error) {
		return s.Store.ListCertifications(context.Background(), f, q)
	})
}
