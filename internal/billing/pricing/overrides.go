package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// Load returns the default catalog with the operator's overrides from a
// JSON file applied. Every key is optional:
//
//	{
//	  "onDemand": {"m5.large": "0.1"},
//	  "regionMultipliers": {"eu-west-1": "1.12"},
//	  "ebs": {"gp3": {"gbMonth": "0.08", "mbpsMonth": "0.04",
//	                  "iopsTiers": [{"upTo": 0, "perIOPSMonth": "0.005"}]}},
//	  "snapshotGBMonth": "0.05",
//	  "publicIPv4Hourly": "0.005"
//	}
//
// An onDemand price replaces the us-east-1 Linux default-tenancy hourly
// price of that one type (other sizes keep theirs); regions scale it and
// platforms add to it as usual. A region multiplier replaces the region's
// factor. EBS prices are us-east-1's. Amounts may be JSON strings or
// numbers; both are read exactly. Unknown keys, instance types, regions and
// volume types are errors naming the file and the key.
func Load(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load prices: %w", err)
	}
	c, err := Default().withOverrides(data)
	if err != nil {
		return nil, fmt.Errorf("load prices %s: %w", path, err)
	}
	return c, nil
}

// overrideFile is the JSON shape Load reads.
type overrideFile struct {
	OnDemand          map[string]decimal     `json:"onDemand"`
	RegionMultipliers map[string]decimal     `json:"regionMultipliers"`
	EBS               map[string]ebsOverride `json:"ebs"`
	SnapshotGBMonth   *decimal               `json:"snapshotGBMonth"`
	PublicIPv4Hourly  *decimal               `json:"publicIPv4Hourly"`
}

type ebsOverride struct {
	GBMonth   *decimal       `json:"gbMonth"`
	MBpsMonth *decimal       `json:"mbpsMonth"`
	IOPSTiers []tierOverride `json:"iopsTiers"`
}

type tierOverride struct {
	UpTo         int64   `json:"upTo"`
	PerIOPSMonth decimal `json:"perIOPSMonth"`
}

// decimal holds an amount's literal text, from a JSON string or number,
// so that it is parsed exactly and errors can name the key it came from.
type decimal string

func (d *decimal) UnmarshalJSON(b []byte) error {
	*d = decimal(jsonDecimalText(b))
	return nil
}

func (d decimal) money(key string) (Money, error) {
	m, err := ParseMoney(string(d))
	if err == nil && m.Sign() < 0 {
		err = fmt.Errorf("%w: negative", ErrInvalidAmount)
	}
	if err != nil {
		return Money{}, fmt.Errorf("%s: %w", key, err)
	}
	return m, nil
}

// withOverrides returns a copy of c with the overrides in data applied.
func (c *Catalog) withOverrides(data []byte) (*Catalog, error) {
	var f overrideFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, describeJSONError(data, err)
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	out := c.clone()
	for _, name := range sortedKeys(f.OnDemand) {
		key := fmt.Sprintf("onDemand[%q]", name)
		if _, ok := c.types[name]; !ok {
			return nil, fmt.Errorf("%s: %w", key, ErrUnknownInstanceType)
		}
		m, err := f.OnDemand[name].money(key)
		if err != nil {
			return nil, err
		}
		out.base[name] = m
	}
	for _, region := range sortedKeys(f.RegionMultipliers) {
		key := fmt.Sprintf("regionMultipliers[%q]", region)
		if _, ok := c.regions[region]; !ok {
			return nil, fmt.Errorf("%s: %w", key, ErrUnknownRegion)
		}
		factor, err := ParseFactor(string(f.RegionMultipliers[region]))
		if err == nil && factor.Cmp(Factor{}) == 0 {
			err = fmt.Errorf("%w: must be positive", ErrInvalidAmount)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out.regions[region] = factor
	}
	for _, vt := range sortedKeys(f.EBS) {
		rates, err := applyEBS(c.ebs, VolumeType(vt), f.EBS[vt])
		if err != nil {
			return nil, err
		}
		out.ebs[VolumeType(vt)] = rates
	}
	var err error
	if f.SnapshotGBMonth != nil {
		if out.snapshot, err = f.SnapshotGBMonth.money("snapshotGBMonth"); err != nil {
			return nil, err
		}
	}
	if f.PublicIPv4Hourly != nil {
		if out.ipv4, err = f.PublicIPv4Hourly.money("publicIPv4Hourly"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func applyEBS(current map[VolumeType]EBSRates, vt VolumeType, o ebsOverride) (EBSRates, error) {
	key := fmt.Sprintf("ebs[%q]", vt)
	r, ok := current[vt]
	if !ok {
		return EBSRates{}, fmt.Errorf("%s: %w", key, ErrUnknownVolumeType)
	}
	var err error
	if o.GBMonth != nil {
		if r.GBMonth, err = o.GBMonth.money(key + ".gbMonth"); err != nil {
			return EBSRates{}, err
		}
	}
	if o.MBpsMonth != nil {
		if r.MBpsMonth, err = o.MBpsMonth.money(key + ".mbpsMonth"); err != nil {
			return EBSRates{}, err
		}
	}
	if o.IOPSTiers == nil {
		return r, nil
	}
	r.IOPSTiers = nil
	var floor int64
	for i, t := range o.IOPSTiers {
		tierKey := fmt.Sprintf("%s.iopsTiers[%d]", key, i)
		last := i == len(o.IOPSTiers)-1
		switch {
		case last && t.UpTo != 0:
			return EBSRates{}, fmt.Errorf("%s: the last tier must have upTo 0 (no limit)", tierKey)
		case !last && t.UpTo <= floor:
			return EBSRates{}, fmt.Errorf("%s: upTo must be above the previous tier's (%d)", tierKey, floor)
		}
		price, err := t.PerIOPSMonth.money(tierKey + ".perIOPSMonth")
		if err != nil {
			return EBSRates{}, err
		}
		r.IOPSTiers = append(r.IOPSTiers, IOPSTier{UpTo: t.UpTo, PerIOPSMonth: price})
		floor = t.UpTo
	}
	return r, nil
}

// describeJSONError adds the line and column to JSON decoding errors, which
// report only byte offsets.
func describeJSONError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%s: %w", position(data, syntax.Offset), err)
	case errors.As(err, &typ):
		return fmt.Errorf("%s: %s: want %s, found JSON %s", position(data, typ.Offset), typ.Field, typ.Type, typ.Value)
	}
	return err
}

func position(data []byte, offset int64) string {
	offset = min(offset, int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := offset - int64(bytes.LastIndexByte(before, '\n'))
	return fmt.Sprintf("line %d, column %d", line, col)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
