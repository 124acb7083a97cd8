package ui

import (
	"testing"
	"time"
)

func TestCountdownMarksTheDeadlinesUrgency(t *testing.T) {
	now := time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		left          time.Duration
		text, urgency string
	}{
		{-time.Minute, "overdue by 1 day", "overdue"},
		{-49 * time.Hour, "overdue by 3 days", "overdue"},
		{0, "due within a day", "urgent"},
		{23 * time.Hour, "due within a day", "urgent"},
		{24 * time.Hour, "1 day left", "urgent"},
		{72 * time.Hour, "3 days left", "urgent"},
		{73 * time.Hour, "4 days left", "warning"},
		{240 * time.Hour, "10 days left", "warning"},
		{241 * time.Hour, "11 days left", ""},
	} {
		text, urgency := countdown(now.Add(tc.left), now)
		if text != tc.text || urgency != tc.urgency {
			t.Errorf("%v left: %q (%q), want %q (%q)", tc.left, text, urgency, tc.text, tc.urgency)
		}
	}
}

// A sign-in goes back only to a dashboard page: nothing a link can send elsewhere.
func TestSafeNextKeepsOnlyDashboardPaths(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "/ui/campaigns",
		"/ui/campaigns/k1?sort=name": "/ui/campaigns/k1?sort=name",
		"//evil.example/ui/":         "/ui/campaigns",
		"https://evil.example/ui/":   "/ui/campaigns",
		"/ui/\\\\evil.example":       "/ui/campaigns",
		"/v2024/certifications":      "/ui/campaigns",
		"/ui/x\r\nSet-Cookie: a=b":   "/ui/campaigns",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
