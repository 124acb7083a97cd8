package httpapi

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/certsum/certsum"
)

func TestWriteJSONSetsContentTypeStatusAndTotal(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := writeJSON(rec, 202, map[string]any{}, 17); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 202 || rec.Header().Get("Content-Type") != "application/json" ||
		rec.Header().Get("X-Total-Count") != "17" || strings.TrimSpace(rec.Body.String()) != "{}" {
		t.Errorf("got %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	if rec.Header().Get("Content-Length") != "3" {
		t.Errorf("Content-Length = %q", rec.Header().Get("Content-Length"))
	}
}

func TestWriteJSONOmitsTheTotalWhenNotAsked(t *testing.T) {
	rec := httptest.NewRecorder()
	_ = writeJSON(rec, 200, 1, -1)
	if _, ok := rec.Header()["X-Total-Count"]; ok {
		t.Error("X-Total-Count set without a total")
	}
}

func TestWriteJSONReturnsAnEncodingFailureBeforeWriting(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := writeJSON(rec, 200, map[string]any{"f": func() {}}, -1); err == nil {
		t.Fatal("no error for an unencodable value")
	}
	if rec.Body.Len() != 0 || len(rec.Header()) != 0 {
		t.Errorf("wrote %q %v before failing", rec.Body, rec.Header())
	}
}

func TestWritePageNeverWritesNull(t *testing.T) {
	rec := httptest.NewRecorder()
	_ = writePage(rec, certsum.Page[certsum.IdentitySummary]{Items: nil, Total: 0}, certsum.ListQuery{Count: true})
	if strings.TrimSpace(rec.Body.String()) != "[]" || rec.Header().Get("X-Total-Count") != "0" {
		t.Errorf("got %q total %q", rec.Body, rec.Header().Get("X-Total-Count"))
	}
	rec = httptest.NewRecorder()
	_ = writePage(rec, certsum.Page[certsum.IdentitySummary]{Items: []certsum.IdentitySummary{{ID: "a"}}, Total: 9}, certsum.ListQuery{})
	if rec.Header().Get("X-Total-Count") != "" {
		t.Error("X-Total-Count without count=true")
	}
}

func TestDecodeBody(t *testing.T) {
	type body struct {
		ID   *string `json:"id"`
		Bulk *bool   `json:"bulk"`
		N    int     `json:"n"`
	}
	tests := []struct {
		name    string
		in      string
		wantErr string // substring; "" means success
	}{
		{"a well-formed object is accepted", `{"id":"a","bulk":true}`, ""},
		{"trailing whitespace is accepted", "{\"id\":\"a\"}\n\t ", ""},
		{"an unknown field is rejected by name", `{"id":"a","bluk":true}`, `unknown field "bluk"`},
		{"trailing data is rejected", `{"id":"a"} {"id":"b"}`, "unexpected data after the JSON value"},
		{"trailing garbage is rejected", `{"id":"a"}]`, "request body"},
		{"an empty body is rejected", ``, "request body is required"},
		{"a truncated body is rejected", `{"id":"a"`, "ends in the middle"},
		{"invalid JSON names the offset", `{"id":'a'}`, "not valid JSON at offset"},
		{"a wrong type names the field and the type", `{"bulk":"yes"}`, "bulk must be a boolean, not string"},
		{"a string for an integer names the type", `{"n":"1"}`, "n must be an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/", strings.NewReader(tt.in))
			req.Header.Set("Content-Type", "application/json")
			var b body
			err := decodeBody(req, &b)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if st, detail := status(err); st != 400 || detail != detailBadContent {
				t.Errorf("status = %d %q, want 400 %q", st, detail, detailBadContent)
			}
		})
	}
}

func TestDecodeBodyRejectsABodyOverTheLimit(t *testing.T) {
	big := `{"id":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	var b struct {
		ID string `json:"id"`
	}
	// The body is cut off as limitBody cuts it: its length is not announced.
	req := httptest.NewRequest("POST", "/", io.NopCloser(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	var err error
	limitBody(&errorWriter{logger: slog.New(slog.DiscardHandler)})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err = decodeBody(r, &b)
	})).ServeHTTP(rec, req)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("exceeds %d bytes", maxBodyBytes)) {
		t.Fatalf("err = %v", err)
	}
	if st, detail := status(err); st != 413 || detail != detailTooLarge {
		t.Errorf("status = %d %q, want 413", st, detail)
	}
}

func TestDecodeBodyWantsJSON(t *testing.T) {
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/json; charset"} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		var b struct{}
		err := decodeBody(req, &b)
		if st, detail := status(err); st != 415 || detail != detailUnsupported {
			t.Errorf("Content-Type %q: %v → %d %q, want 415", ct, err, st, detail)
		}
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", ct)
		var b struct{}
		if err := decodeBody(req, &b); err != nil {
			t.Errorf("Content-Type %q: %v", ct, err)
		}
	}
}
