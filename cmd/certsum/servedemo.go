package main

import (
	"context"
	"fmt"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/demo"
)

// fillDemo writes the demo dataset when the database holds no identities yet. A database
// that already has data is left alone: --demo never overwrites anything.
func (m *Main) fillDemo(ctx context.Context) error {
	n, err := m.store.CountIdentities(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if n > 0 {
		m.Logger.Info("database already holds data; not loading the demo dataset", "identities", n)
		return nil
	}
	start := time.Now()
	m.Logger.Info("loading the demo dataset", "identities", m.Config.DemoSize, "seed", m.Config.DemoSeed)
	last := time.Now()
	// Anchor the dataset to today so its active campaigns are current, as `certsum demo` does.
	anchor, err := demoNow("", time.Now())
	if err != nil {
		return err
	}
	_, err = demo.Fill(ctx, m.store, demo.Options{Identities: m.Config.DemoSize, Seed: m.Config.DemoSeed, Now: anchor},
		func(step string, done, total int) {
			if time.Since(last) >= 2*time.Second {
				last = time.Now()
				m.Logger.Info("loading the demo dataset", "step", step, "done", done, "of", total)
			}
		})
	if err != nil {
		return err
	}
	m.demoFilled = true
	m.Logger.Info("demo dataset loaded", "elapsed", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// demoReviewers returns the identity reviewers of the demo's active certifications, the
// reviewer of the largest one first, so every demo reviewer can get credentials.
func (m *Main) demoReviewers(ctx context.Context) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	largest, largestItems := "", -1
	for offset := 0; ; offset += certsum.MaxLimit {
		page, err := m.store.ListCertifications(ctx, certsum.CertificationFilter{},
			certsum.ListQuery{Limit: certsum.MaxLimit, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, c := range page.Items {
			if c.Phase != certsum.PhaseActive || c.Reviewer.Type != certsum.TypeIdentity {
				continue
			}
			if c.Campaign.CampaignType == certsum.CampaignManager && c.DecisionsTotal > largestItems {
				largest, largestItems = c.Reviewer.ID, c.DecisionsTotal
			}
			if !seen[c.Reviewer.ID] {
				seen[c.Reviewer.ID] = true
				ids = append(ids, c.Reviewer.ID)
			}
		}
		if len(page.Items) < certsum.MaxLimit {
			break
		}
	}
	if largest != "" {
		out := []string{largest}
		for _, id := range ids {
			if id != largest {
				out = append(out, id)
			}
		}
		return out, nil
	}
	return ids, nil
}

// printDemoCredentials registers the demo's clients and prints the administrator's and one
// reviewer's credentials with a block both SailPoint SDKs read from the environment — once,
// when this run loaded the demo. On a database filled earlier it mints nothing (secrets are
// shown once and cannot be printed again) and says how to create a client.
func (m *Main) printDemoCredentials(ctx context.Context, baseURL string) error {
	w := m.stdout
	if !m.demoFilled {
		fmt.Fprintf(w, "\ncertsum is serving an existing database at %s\n", baseURL)
		fmt.Fprintf(w, "Its clients were printed when the demo was loaded; list them with `certsum clients list --db %s`.\n", m.Config.Database)
		fmt.Fprintf(w, "To create another administrator client:\n\n  certsum clients create --db %s --level ORG_ADMIN --addr %s\n\n",
			m.Config.Database, m.Config.Addr)
		return nil
	}
	reviewers, err := m.demoReviewers(ctx)
	if err != nil {
		return fmt.Errorf("demo reviewers: %w", err)
	}
	creds, err := m.auth.CreateDemoClients(ctx, reviewers)
	if err != nil {
		return fmt.Errorf("demo credentials: %w", err)
	}
	fmt.Fprintf(w, "\ncertsum is serving the demo dataset at %s\n", baseURL)
	fmt.Fprintf(w, "%d clients were created: one ORG_ADMIN, one per reviewer (list them with `certsum clients list`).\n", len(creds))
	fmt.Fprintf(w, "\nAdministrator (ORG_ADMIN, %s):\n\n%s", creds[0].IdentityName, creds[0].Env(baseURL))
	if len(creds) > 1 {
		fmt.Fprintf(w, "\nReviewer %s (sees only their own certifications):\n\n%s", creds[1].IdentityName, creds[1].Env(baseURL))
	}
	fmt.Fprintf(w, "\nPaste one block into your shell, then e.g.:\n\n"+
		"  TOKEN=$(curl -s %s/oauth/token -d grant_type=client_credentials -d client_id=$SAIL_CLIENT_ID -d client_secret=$SAIL_CLIENT_SECRET | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n"+
		"  curl -s -H \"Authorization: Bearer $TOKEN\" '%s/v2024/certifications?limit=5'\n\n", baseURL, baseURL)
	fmt.Fprintf(w, "The dashboard is at %s/ui/ — sign in with a SAIL_CLIENT_ID and SAIL_CLIENT_SECRET above.\n\n", baseURL)
	return nil
}
