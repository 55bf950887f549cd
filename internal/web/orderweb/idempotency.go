package orderweb

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/wenming-city/wenming/internal/web"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Idempotency-Key on POST /api/v1/public/reports: a retry with the same
// key within a day gets the first answer (status, body, Location) instead
// of a second order; workorder.SubmitPublicOnce keeps the key with the
// order in one transaction.

// reportFingerprint hashes a report's fields and its photos' bytes.
func reportFingerprint(r *http.Request, rf reportFields) (string, error) {
	b, err := json.Marshal(rf)
	if err != nil {
		return "", err
	}
	parts := []string{string(b)}
	for _, fh := range web.PhotoFiles(r) {
		file, err := fh.Open()
		if err != nil {
			return "", err
		}
		h := sha256.New()
		_, err = io.Copy(h, file)
		file.Close()
		if err != nil {
			return "", err
		}
		parts = append(parts, hex.EncodeToString(h.Sum(nil)))
	}
	return workorder.Fingerprint(parts...), nil
}

func (s *Server) apiPublicReportOnce(w http.ResponseWriter, r *http.Request, f *errs.Fields, rf reportFields) error {
	key := workorder.IdemKeyOf(r.Header.Get("Idempotency-Key"))
	var kf errs.Fields
	workorder.CheckIdemKey(&kf, "Idempotency-Key", key)
	if err := kf.Err(); err != nil {
		return err
	}
	fp, err := reportFingerprint(r, rf)
	if err != nil {
		return err
	}
	k := workorder.Idem{Scope: "api", Key: key, Fingerprint: fp, Answer: func(out workorder.Submitted) (int, string) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(out)
		return http.StatusCreated, b.String()
	}}
	a, found, err := s.orders.Replay(r.Context(), k)
	if err != nil {
		return err
	}
	if !found {
		rep, err := s.checkReport(r, f, rf, web.PhotoFiles(r), workorder.ChannelAPI)
		if err != nil {
			return err
		}
		if a, found, err = s.storeOnce(r.Context(), rep, k); err != nil {
			return err
		}
	}
	var out workorder.Submitted
	if err := json.Unmarshal([]byte(a.Body), &out); err != nil {
		return err
	}
	if found {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/v1/public/reports/"+out.Code)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.Status)
	io.WriteString(w, a.Body)
	return nil
}

// storeOnce is store with an idempotency key.
func (s *Server) storeOnce(ctx context.Context, rep *publicReport, k workorder.Idem) (workorder.FirstAnswer, bool, error) {
	if err := s.uploadPhotos(ctx, rep); err != nil {
		return workorder.FirstAnswer{}, false, err
	}
	a, replayed, err := s.orders.SubmitPublicOnce(ctx, rep.in, k)
	return a, replayed, renameFields(err)
}

// newDraftID is the hidden draft id of a /report form: the form's
// idempotency key, so a double submit or a browser's retry makes one order.
func newDraftID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// isDraftID tells whether v is a draft id as newDraftID makes them; any
// other value is ignored (the field is hidden, a citizen cannot fix it).
func isDraftID(v string) bool {
	if len(v) != 32 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// reportOnce checks and stores the /report form and returns the tracking
// code: the first answer's when the form's draft id was sent already with
// the same content.
func (s *Server) reportOnce(r *http.Request, f *errs.Fields, rf reportFields, files []*multipart.FileHeader, ch workorder.Channel) (string, error) {
	draft := r.PostForm.Get("draft")
	if !isDraftID(draft) {
		rep, err := s.checkReport(r, f, rf, files, ch)
		if err != nil {
			return "", err
		}
		out, err := s.store(r.Context(), rep)
		return out.Code, err
	}
	fp, err := reportFingerprint(r, rf)
	if err != nil {
		return "", err
	}
	k := workorder.Idem{Scope: "report", Key: draft, Fingerprint: fp, Answer: func(out workorder.Submitted) (int, string) {
		return http.StatusSeeOther, out.Code
	}}
	a, found, err := s.orders.Replay(r.Context(), k)
	if err == nil && !found {
		var rep *publicReport
		if rep, err = s.checkReport(r, f, rf, files, ch); err != nil {
			return "", err
		}
		a, _, err = s.storeOnce(r.Context(), rep, k)
	}
	if e := errs.As(err); e != nil && e.Key == "workorder.err.idempotency_mismatch" {
		return "", errs.E(errs.Conflict, "pub.err.draft_sent")
	}
	return a.Body, err
}
