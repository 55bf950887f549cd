package workorder

// SetStatsFromDaily makes Stats read only workorder_stats_daily, so tests
// can compare it with the one-dimension rollup.
func (s *Service) SetStatsFromDaily(v bool) { s.statsFromDaily = v }

// SetCodeSource makes new orders draw their tracking codes from f.
func (s *Service) SetCodeSource(f func() string) { s.codes = f }

// MonthSpan is monthSpan, for its table test.
var MonthSpan = monthSpan
