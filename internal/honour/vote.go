package honour

// The public vote's checks against ballot stuffing, as data.
const (
	// VotesPerPhonePerDay: one vote per phone per nomination list per day (China Standard Time).
	VotesPerPhonePerDay = 1
	// VotesPerAddressPerHour: at most this many votes from one network address in an hour.
	VotesPerAddressPerHour = 20
)

// VoteCheck is what is known about a ballot before it is counted.
type VoteCheck struct {
	PhoneValid         bool
	PhoneVotedToday    int // this phone's votes in the same vote today
	AddressVotesInHour int // this address's votes in the last hour
}

// RefuseVote returns the i18n key of why a ballot is refused ("" to count it).
func RefuseVote(c VoteCheck) string {
	switch {
	case !c.PhoneValid:
		return "honour.err.vote_phone"
	case c.PhoneVotedToday >= VotesPerPhonePerDay:
		return "honour.err.vote_duplicate"
	case c.AddressVotesInHour >= VotesPerAddressPerHour:
		return "honour.err.vote_rate"
	}
	return ""
}
