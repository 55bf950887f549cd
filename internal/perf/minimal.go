package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The minimal durable path (issue 13's bar for durable intake): an
// in-process server that parses the report (JSON or multipart, reading the
// photo), writes one INSERT into a table with two indexes (the tracking
// code, unique, and the time) through a group-commit writer with
// wenming's batch window and size (workorder.DefaultBatchWindow,
// DefaultBatchMax), and answers 201 only after the commit. It runs on the
// same engine as the server under test: SQLite in a fresh file with
// wenming's settings, or a scratch table on the PostgreSQL database given.

type minimalReport struct {
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Lat         *float64 `json:"lat"`
	Lng         *float64 `json:"lng"`
	Address     string   `json:"address"`
	Name        string   `json:"name"`
	Phone       string   `json:"phone"`
}

type minimalJob struct {
	r    minimalReport
	code string
	done chan error
}

// minimalServer is the running ceiling: its URL and how to stop it.
type minimalServer struct {
	URL  string
	stop func()
}

func startMinimal(ctx context.Context, dsn string) (*minimalServer, error) {
	var cleanup []func()
	closeAll := func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	table := "bench_min_reports"
	if dsn == "" {
		dir, err := os.MkdirTemp("", "wenming-min-")
		if err != nil {
			return nil, err
		}
		cleanup = append(cleanup, func() { os.RemoveAll(dir) })
		dsn = filepath.Join(dir, "min.db")
	} else {
		table += "_" + strconv.Itoa(os.Getpid())
	}
	st, err := db.Open(ctx, dsn)
	if err != nil {
		closeAll()
		return nil, err
	}
	cleanup = append(cleanup, func() { st.Close() })
	id := "id INTEGER PRIMARY KEY"
	if st.Engine == db.Postgres {
		id = "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
		cleanup = append(cleanup, func() {
			st.Write(context.Background(), func(tx *db.Tx) error { _, err := tx.Exec(context.Background(), "DROP TABLE "+table); return err })
		})
	}
	if err := st.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE TABLE "+table+" ("+id+`, code TEXT NOT NULL UNIQUE,
			category TEXT NOT NULL, description TEXT NOT NULL, address TEXT NOT NULL, lat DOUBLE PRECISION,
			lng DOUBLE PRECISION, name TEXT NOT NULL, phone TEXT NOT NULL, created_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "CREATE INDEX "+table+"_created ON "+table+"(created_at)")
		return err
	}); err != nil {
		closeAll()
		return nil, err
	}
	jobs := make(chan *minimalJob, 4*workorder.DefaultBatchMax)
	quit := make(chan struct{})
	writerDone := make(chan struct{})
	insert := "INSERT INTO " + table + " (code, category, description, address, lat, lng, name, phone, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	go func() {
		defer close(writerDone)
		for {
			var batch []*minimalJob
			select {
			case j := <-jobs:
				batch = append(batch, j)
			case <-quit:
				return
			}
			deadline := time.NewTimer(workorder.DefaultBatchWindow)
		collect:
			for len(batch) < workorder.DefaultBatchMax {
				select {
				case j := <-jobs:
					batch = append(batch, j)
				case <-deadline.C:
					break collect
				}
			}
			deadline.Stop()
			err := st.Write(context.Background(), func(tx *db.Tx) error {
				now := time.Now().UnixMilli()
				for _, j := range batch {
					if _, err := tx.Exec(context.Background(), insert, j.code, j.r.Category, j.r.Description, j.r.Address,
						j.r.Lat, j.r.Lng, j.r.Name, j.r.Phone, now); err != nil {
						return err
					}
				}
				return nil
			})
			for _, j := range batch {
				j.done <- err
			}
		}
	}()
	cleanup = append(cleanup, func() { close(quit); <-writerDone })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeAll()
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rep minimalReport
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "multipart/form-data" {
			if err := r.ParseMultipartForm(32 << 20); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			rep.Category, rep.Description, rep.Address = r.FormValue("category"), r.FormValue("description"), r.FormValue("address")
			rep.Name, rep.Phone = r.FormValue("name"), r.FormValue("phone")
			if f, _, err := r.FormFile("photos"); err == nil {
				io.Copy(io.Discard, f)
				f.Close()
			}
		} else if err := json.NewDecoder(r.Body).Decode(&rep); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		j := &minimalJob{r: rep, code: workorder.NewCode(), done: make(chan error, 1)}
		jobs <- j
		if err := <-j.done; err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":1,"code":%q}`, j.code)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	cleanup = append(cleanup, func() { srv.Close() })
	return &minimalServer{URL: "http://" + ln.Addr().String() + ReportsPath, stop: closeAll}, nil
}
