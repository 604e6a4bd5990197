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

package e2e

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gamestatefulset/gamestatefulset-operator/internal/dashboard"
)

// renderedPanel is a panel's series over the suite's run, as its queries answered them.
type renderedPanel struct {
	panel  dashboard.Panel
	series map[string][]promSample
}

var legendLabel = regexp.MustCompile(`{{\s*(\w+)\s*}}`)

// renderRows draws each dashboard row's panels from the e2e Prometheus's answers into DIR/<row>.png (gonum/plot,
// not Grafana: the same queries and legends, drawn plainly), for docs/observability.md.
func renderRows(dir string, panels []renderedPanel) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var rows []string
	byRow := map[string][]renderedPanel{}
	for _, p := range panels {
		if byRow[p.panel.Row] == nil {
			rows = append(rows, p.panel.Row)
		}
		byRow[p.panel.Row] = append(byRow[p.panel.Row], p)
	}
	for _, row := range rows {
		const cols = 3
		n := len(byRow[row])
		tiles := draw.Tiles{Rows: (n + cols - 1) / cols, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		grid := make([][]*plot.Plot, tiles.Rows)
		for i := range grid {
			grid[i] = make([]*plot.Plot, cols)
		}
		for i, rp := range byRow[row] {
			p, err := panelPlot(rp)
			if err != nil {
				return err
			}
			grid[i/cols][i%cols] = p
		}
		img := vgimg.New(vg.Length(cols)*12*vg.Centimeter, vg.Length(tiles.Rows)*8*vg.Centimeter)
		dc := draw.New(img)
		canvases := plot.Align(grid, tiles, dc)
		for i := range grid {
			for j, p := range grid[i] {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
		f, err := os.Create(filepath.Join(dir, strings.ToLower(row)+".png"))
		if err != nil {
			return err
		}
		if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

func panelPlot(rp renderedPanel) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = rp.panel.Title
	p.X.Tick.Marker = plot.TimeTicks{Format: "15:04"}
	p.Y.Label.Text = rp.panel.Unit
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(7)
	color := 0
	for _, q := range rp.panel.Queries {
		for _, s := range rp.series[q.Expr] {
			xys := make(plotter.XYs, 0, len(s.Values))
			for _, v := range s.Values {
				t, _ := v[0].(float64)
				y, err := strconv.ParseFloat(fmt.Sprint(v[1]), 64)
				if err != nil || math.IsNaN(y) || math.IsInf(y, 0) {
					// a quantile of no observations, as Grafana leaves a gap
					continue
				}
				xys = append(xys, plotter.XY{X: t, Y: y})
			}
			if len(xys) == 0 {
				continue
			}
			line, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			line.Color = plotutil.Color(color)
			color++
			p.Add(line)
			legend := legendLabel.ReplaceAllStringFunc(q.Legend, func(m string) string {
				return s.Metric[legendLabel.FindStringSubmatch(m)[1]]
			})
			if legend == "" {
				legend = "value"
			}
			if color <= 6 {
				p.Legend.Add(legend, line)
			}
		}
	}
	return p, nil
}
