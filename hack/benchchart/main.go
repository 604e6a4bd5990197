/*
Copyright 2026 The GameStatefulSet Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command benchchart draws make bench's first table (bin/bench.out) as one chart per set size: the time of each
// row for each controller, side by side.
//
// usage: go run ./hack/benchchart bin/bench.out docs/performance.png
package main

import (
	"bufio"
	"fmt"
	"image/color"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// controllers are drawn in this order and colour.
var controllers = []struct {
	name   string
	colour color.Color
}{
	{"StatefulSet", color.RGBA{R: 0x73, G: 0x73, B: 0x73, A: 0xff}},
	{"Advanced StatefulSet", color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}},
	{"GameStatefulSet", color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}},
}

// size is one set size's rows: each scenario (its size written as N) and each controller's time.
type size struct {
	pods      int
	scenarios []string
	seconds   map[string]map[string]float64
}

var numbers = regexp.MustCompile(`\d+`)

// parse reads the rows of the first table that are run by more than one controller, grouped by set size (the
// largest number in the scenario).
func parse(in io.Reader) ([]*size, error) {
	bySize := map[int]*size{}
	scanner := bufio.NewScanner(in)
	tables := 0
	for scanner.Scan() {
		line := scanner.Text()
		if strings.HasPrefix(line, "| scenario |") {
			tables++
		}
		if tables != 1 || !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| scenario |") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 3 {
			continue
		}
		scenario, controller := strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1])
		seconds, err := strconv.ParseFloat(strings.TrimSpace(cells[2]), 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
		pods := 0
		for _, n := range numbers.FindAllString(scenario, -1) {
			v, _ := strconv.Atoi(n)
			pods = max(pods, v)
		}
		label := strings.ReplaceAll(scenario, strconv.Itoa(pods), "N")
		s := bySize[pods]
		if s == nil {
			s = &size{pods: pods, seconds: map[string]map[string]float64{}}
			bySize[pods] = s
		}
		if s.seconds[label] == nil {
			s.seconds[label] = map[string]float64{}
			s.scenarios = append(s.scenarios, label)
		}
		s.seconds[label][controller] = seconds
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	var out []*size
	for _, s := range bySize {
		s.scenarios = slices.DeleteFunc(s.scenarios, func(label string) bool {
			n := 0
			for _, c := range controllers {
				if _, ok := s.seconds[label][c.name]; ok {
					n++
				}
			}
			return n < 2
		})
		if len(s.scenarios) > 0 {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pods < out[j].pods })
	return out, nil
}

func chart(s *size) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("N = %d pods", s.pods)
	p.X.Label.Text = "seconds to the end state (less is better)"
	p.Legend.Top = true
	// the first scenario on top
	labels := slices.Clone(s.scenarios)
	slices.Reverse(labels)
	barHeight := vg.Points(7)
	for i, c := range controllers {
		values := make(plotter.Values, len(labels))
		present := false
		for j, label := range labels {
			values[j] = s.seconds[label][c.name]
			if _, ok := s.seconds[label][c.name]; ok {
				present = true
			}
		}
		if !present {
			continue
		}
		bars, err := plotter.NewBarChart(values, barHeight)
		if err != nil {
			return nil, err
		}
		bars.Horizontal = true
		bars.Color = c.colour
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(1-i) * barHeight
		p.Add(bars)
		p.Legend.Add(c.name, bars)
	}
	p.NominalY(labels...)
	return p, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchchart BENCH_OUTPUT PNG")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "benchchart:", err)
		os.Exit(1)
	}
}

func run(input, output string) error {
	in, err := os.Open(input)
	if err != nil {
		return err
	}
	defer in.Close()
	sizes, err := parse(in)
	if err != nil {
		return err
	}
	if len(sizes) == 0 {
		return fmt.Errorf("%s: no row run by more than one controller", input)
	}
	grid := make([][]*plot.Plot, len(sizes))
	for i, s := range sizes {
		p, err := chart(s)
		if err != nil {
			return err
		}
		grid[i] = []*plot.Plot{p}
	}
	img := vgimg.New(22*vg.Centimeter, vg.Length(len(sizes))*10*vg.Centimeter)
	tiles := draw.Tiles{Rows: len(sizes), Cols: 1, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 6,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align(grid, tiles, draw.New(img))
	for i := range grid {
		grid[i][0].Draw(canvases[i][0])
	}
	out, err := os.Create(output)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(out); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
