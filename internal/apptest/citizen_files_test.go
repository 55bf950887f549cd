package apptest_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// gatedBucket is an S3-compatible bucket in memory (path style, one page
// of ListObjectsV2) whose PUTs can be held at the door: each tells arrived
// its key, then waits until proceed is closed.
type gatedBucket struct {
	bucket  string
	clock   clock.Clock
	mu      sync.Mutex
	objects map[string]time.Time // key → last modified
	arrived chan string
	proceed chan struct{} // nil: PUTs go through at once
}

func (b *gatedBucket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		http.Error(w, "unsigned", http.StatusForbidden)
		return
	}
	io.Copy(io.Discard, r.Body)
	if r.Method == http.MethodGet && r.URL.Path == "/"+b.bucket {
		b.mu.Lock()
		defer b.mu.Unlock()
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>false</IsTruncated>`)
		for k, at := range b.objects {
			if strings.HasPrefix(k, r.URL.Query().Get("prefix")) {
				fmt.Fprintf(w, "<Contents><Key>%s</Key><LastModified>%s</LastModified><Size>1</Size></Contents>", k, at.UTC().Format(time.RFC3339))
			}
		}
		fmt.Fprint(w, "</ListBucketResult>")
		return
	}
	key, ok := strings.CutPrefix(r.URL.Path, "/"+b.bucket+"/")
	if !ok {
		http.Error(w, "no bucket", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodPut:
		if b.proceed != nil {
			b.arrived <- key
			<-b.proceed
		}
		b.mu.Lock()
		b.objects[key] = b.clock.Now()
		b.mu.Unlock()
	case http.MethodDelete:
		b.mu.Lock()
		delete(b.objects, key)
		b.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "not here", http.StatusMethodNotAllowed)
	}
}

func (b *gatedBucket) keys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for k := range b.objects {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// withBucket makes the app keep its photos in b.
func withBucket(t *testing.T, b *gatedBucket) func(*app.Config) {
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	return func(c *app.Config) {
		b.clock = c.Clock
		c.PhotoStore = "s3"
		c.S3 = photo.S3Config{Endpoint: srv.URL, Bucket: b.bucket, AccessKey: "AKWENMING", SecretKey: "secret", PathStyle: true}
	}
}

// photoKeys are the blob keys the photos rows name.
func photoKeys(t *testing.T, e *apptest.Env) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	ctx := context.Background()
	err := e.App.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT original_key, public_key, thumb_key FROM photos")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o string
			var p, th sql.NullString
			if err := rows.Scan(&o, &p, &th); err != nil {
				return err
			}
			out[o], out[p.String], out[th.String] = true, true, true
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// unnamed lists the keys no photos row names.
func unnamed(t *testing.T, e *apptest.Env, keys []string) []string {
	t.Helper()
	named := photoKeys(t, e)
	var out []string
	for _, k := range keys {
		if !named[k] {
			out = append(out, k)
		}
	}
	return out
}

func TestAReportRefusedAfterItsPhotosWereWrittenLeavesNoFileAndTheSweeperRemovesACrashsLeftovers(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			b := &gatedBucket{bucket: "wenming-photos", objects: map[string]time.Time{}, arrived: make(chan string, 64), proceed: make(chan struct{})}
			e := apptest.StartWith(t, engine, withBucket(t, b))
			e.App.Orders.ReportLimit = workorder.ReportLimit{Reports: 1, Window: time.Hour}
			// Two reports from one address with a limit of one: both pass the
			// early check and write their photos (held at the bucket's door
			// until both are there), then the second is refused in its transaction.
			status := make([]int, 2)
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() {
					status[i] = postPhotos(t, e, e.Anonymous(t), "/api/v1/public/reports", report(), photoJPEG(t, uint8(10*i+1))).Status
				})
				select {
				case <-b.arrived:
				case <-time.After(20 * time.Second):
					t.Fatalf("report %d never wrote its photo", i+1)
				}
			}
			close(b.proceed)
			wg.Wait()
			sort.Ints(status)
			if status[0] != http.StatusCreated || status[1] != http.StatusTooManyRequests {
				t.Fatalf("statuses %v, want one 201 and one 429", status)
			}
			if left := unnamed(t, e, b.keys()); len(left) != 0 {
				t.Fatalf("the refused report left %d files without a row: %v", len(left), left)
			}
			if n := len(b.keys()); n != 3 {
				t.Fatalf("%d files for the one accepted photo, want its 3", n)
			}

			// A crash between the blobs and the row leaves files no row names:
			// the hourly job removes those older than an hour, and only those.
			b.mu.Lock()
			old := e.Clock.Now().Add(-2 * time.Hour)
			for k := range b.objects {
				b.objects[k] = old // the accepted photo's too: a row names them
			}
			b.objects["original/ab/cd/abcd0000000000000000000000000000000000000000000000000000000000ff.jpg"] = old
			b.objects["thumb/ab/cd/abcd0000000000000000000000000000000000000000000000000000000000ff.jpg"] = old
			b.objects["original/12/34/1234000000000000000000000000000000000000000000000000000000000000.jpg"] = e.Clock.Now().Add(-30 * time.Minute)
			b.mu.Unlock()
			e.App.Jobs.RunDue(context.Background())
			left := unnamed(t, e, b.keys())
			if len(left) != 1 || !strings.HasPrefix(left[0], "original/12/34/") {
				t.Fatalf("after the sweep the files no row names are %v, want only the one written half an hour ago", left)
			}
			if n := len(b.keys()); n != 4 {
				t.Fatalf("the sweep left %d files, want the accepted photo's 3 and the recent one", n)
			}
			if e.Count(t, "SELECT COUNT(*) FROM scheduled_jobs WHERE name = 'photo.sweep_orphans' AND last_ok_at IS NOT NULL AND last_error = ''") != 1 {
				t.Fatal("the sweep did not run as a job")
			}
		})
	}
}

// localFiles lists the files under the app's local photo folder.
func localFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAReportWhosePhotoCannotBeWrittenWhollyLeavesNoFileBehind(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		root := filepath.Join(e.App.Config.DataDir, "photos")
		jpg := photoJPEG(t, 42)
		// The thumbnails' folder is taken by a file: the original and the
		// public copy are written, then the thumbnail's write fails.
		thumbDir := filepath.Join(root, "thumb")
		if err := os.WriteFile(thumbDir, []byte("in the way"), 0o600); err != nil {
			t.Fatal(err)
		}
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		res := postPhotos(t, e, e.Anonymous(t), "/api/v1/public/reports", report(), jpg)
		if res.Status != http.StatusInternalServerError {
			t.Fatalf("a photo that cannot be stored: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders") != orders {
			t.Fatal("the report was stored without its photo")
		}
		for _, f := range localFiles(t, root) {
			if filepath.Join(root, filepath.FromSlash(f)) != thumbDir {
				t.Fatalf("the failed report left %s behind", f)
			}
		}
	})
}

func TestAReportRefusedInItsTransactionAfterItsPhotosWereWrittenStillCountsAgainstTheAddress(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			b := &gatedBucket{bucket: "wenming-photos", objects: map[string]time.Time{}, arrived: make(chan string, 64), proceed: make(chan struct{})}
			e := apptest.StartWith(t, engine, withBucket(t, b))
			e.App.Orders.ReportLimit = workorder.ReportLimit{Reports: 2, Window: time.Hour}
			setActive := func(active bool) {
				t.Helper()
				ctx := context.Background()
				if err := e.App.DB.Write(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, "UPDATE workorder_categories SET active = ? WHERE code = 'STREET_VENDING'", active)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				e.App.Orders.CategoriesChanged() // as the admin's change through the service does
			}
			// The category is closed while the report's photo is being written:
			// the report is refused inside its transaction.
			done := make(chan *apptest.Response)
			go func() { done <- postPhotos(t, e, e.Anonymous(t), "/api/v1/public/reports", report(), photoJPEG(t, 77)) }()
			select {
			case <-b.arrived:
			case <-time.After(20 * time.Second):
				t.Fatal("the report never wrote its photo")
			}
			setActive(false)
			close(b.proceed)
			if res := <-done; res.Status != http.StatusBadRequest || !res.Contains(`"category"`) {
				t.Fatalf("a report whose category closed meanwhile: %d %s", res.Status, res.Body)
			}
			if left := unnamed(t, e, b.keys()); len(left) != 0 {
				t.Fatalf("the refused report left %v", left)
			}
			// It counted: with a limit of two, one more report is taken, then the address is full.
			setActive(true)
			if res := postPhotos(t, e, e.Anonymous(t), "/api/v1/public/reports", report(), photoJPEG(t, 78)); res.Status != http.StatusCreated {
				t.Fatalf("the second report: %d %s", res.Status, res.Body)
			}
			res := postPhotos(t, e, e.Anonymous(t), "/api/v1/public/reports", report(), photoJPEG(t, 79))
			if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
				t.Fatalf("the third report, after a refused and an accepted one with a limit of two: %d %s", res.Status, res.Body)
			}
		})
	}
}
