package inspection

import "github.com/wenming-city/wenming/internal/errs"

// errsAs returns the field → message key map of an invalid error.
func errsAs(err error) map[string]string {
	e := errs.As(err)
	if e == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range e.Fields {
		out[k] = v.Key
	}
	return out
}
