package workorder

import (
	"context"
	"strings"

	"github.com/wenming-city/wenming/internal/db"
)

// regionTrail names a region with the regions above it below the city
// ("市中区 张公桥街道 张公桥社区 第一网格"), so a grid or community means
// something to a citizen who has never heard its name. Region names are
// public knowledge.
func regionTrail(ctx context.Context, tx *db.Tx, path string) (string, error) {
	zh, _, err := regionTrails(ctx, tx, path)
	return zh, err
}

// regionTrails is regionTrail in Chinese and in English (a region without
// an English name keeps its Chinese one; the English words are joined by
// ", " from the smallest up: "Grid 1, Zhanggongqiao Community, …").
func regionTrails(ctx context.Context, tx *db.Tx, path string) (string, string, error) {
	ids := pathIDs(path)
	if len(ids) < 2 {
		return "", "", nil
	}
	ids = ids[1:] // below the city
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.Query(ctx, "SELECT id, name, name_en FROM regions WHERE id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")", args...)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	names, namesEN := map[int64]string{}, map[int64]string{}
	for rows.Next() {
		var id int64
		var name, en string
		if err := rows.Scan(&id, &name, &en); err != nil {
			return "", "", err
		}
		names[id], namesEN[id] = name, en
	}
	if err := rows.Err(); err != nil {
		return "", "", err
	}
	parts, partsEN := make([]string, 0, len(ids)), make([]string, 0, len(ids))
	for _, id := range ids {
		if n := names[id]; n != "" {
			parts = append(parts, n)
			en := namesEN[id]
			if en == "" {
				en = n
			}
			partsEN = append([]string{en}, partsEN...)
		}
	}
	return strings.Join(parts, " "), strings.Join(partsEN, ", "), nil
}
