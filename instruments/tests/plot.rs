//! The SVG charts: what a reader needs to find in them is there, and awkward data draws rather
//! than fails.

use instruments::plot::{LineChart, Mark, Scale, Series, human};

fn series(name: &str, points: &[(f64, f64)]) -> Series {
    Series {
        name: name.to_string(),
        points: points.to_vec(),
    }
}

fn chart(x_scale: Scale, y_scale: Scale, series: Vec<Series>, marks: Vec<Mark>) -> LineChart {
    LineChart {
        title: "Completed requests per second".to_string(),
        x_label: "connections".to_string(),
        y_label: "req/s".to_string(),
        x_scale,
        y_scale,
        series,
        marks,
    }
}

/// The text of every `<text>` element, in document order, without surrounding whitespace.
fn texts(svg: &str) -> Vec<&str> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim()))
        .collect()
}

#[test]
fn a_chart_names_its_series_its_marks_and_its_axes() {
    let path = std::env::temp_dir().join(format!("plot-test-{}.svg", std::process::id()));
    chart(
        Scale::Log,
        Scale::Linear,
        vec![
            series("part1", &[(10.0, 900.0), (100.0, 1800.0), (1000.0, 1500.0)]),
            series("tokio", &[(10.0, 950.0), (100.0, 2400.0), (1000.0, 2600.0)]),
        ],
        vec![Mark {
            x: 300.0,
            label: "thread wall".to_string(),
        }],
    )
    .write_svg(&path)
    .expect("a plain chart draws");
    let svg = std::fs::read_to_string(&path).expect("the file was written");
    std::fs::remove_file(&path).ok();

    assert!(
        svg.starts_with("<svg"),
        "an SVG document: {}",
        &svg[..svg.len().min(200)]
    );
    let texts = texts(&svg);
    for wanted in [
        "Completed requests per second",
        "connections",
        "req/s",
        "part1",
        "tokio",
        "thread wall",
    ] {
        assert!(
            texts.contains(&wanted),
            "{wanted:?} is missing from the texts {texts:?}"
        );
    }
    for decade in ["10", "100", "1k"] {
        assert!(
            texts.contains(&decade),
            "the log axis labels its decade {decade:?}: {texts:?}"
        );
    }
}

#[test]
fn series_are_told_apart_without_colour() {
    let four = (0..4)
        .map(|i| series(&format!("s{i}"), &[(1.0, i as f64), (2.0, i as f64 + 1.0)]))
        .collect();
    let svg = chart(Scale::Linear, Scale::Linear, four, vec![])
        .to_svg()
        .expect("draws");
    // Series 0 has filled circles, 1 triangles (polygons), 2 squares (rectangles), 3 crosses;
    // 0 and 3 have solid lines, 1 dashes and 2 dots (many short line segments).
    assert!(svg.contains("<circle"), "circle markers");
    assert!(svg.contains("<polygon"), "triangle markers");
    assert!(
        svg.matches("<rect").count() >= 2 * 2,
        "square markers, two points, plus the frame"
    );
    // A solid line is one polyline in the chart and one in the legend; a dashed one, a polyline
    // per dash.
    let polylines_in = |colour: &str| {
        svg.lines()
            .filter(|l| l.starts_with("<polyline") && l.contains(colour))
            .count()
    };
    assert_eq!(polylines_in("#009E73"), 2, "series 3 is solid");
    for (series, colour) in [(1, "#E69F00"), (2, "#0072B2")] {
        let dashes = polylines_in(colour);
        assert!(
            dashes > 4,
            "series {series} is drawn in dashes, got {dashes} polylines"
        );
    }
}

#[test]
fn a_log_axis_leaves_out_what_it_cannot_show() {
    let awkward = vec![
        series(
            "zeros",
            &[(0.0, 5.0), (10.0, 0.0), (100.0, -3.0), (1000.0, 50.0)],
        ),
        series(
            "nothing positive",
            &[(-1.0, -1.0), (f64::NAN, 1.0), (1.0, f64::INFINITY)],
        ),
        series("empty", &[]),
    ];
    let marks = vec![
        Mark {
            x: 0.0,
            label: "at zero".to_string(),
        },
        Mark {
            x: 20.0,
            label: "shown".to_string(),
        },
    ];
    let svg = chart(Scale::Log, Scale::Log, awkward, marks)
        .to_svg()
        .expect("awkward points draw");
    let texts = texts(&svg);
    assert!(
        texts.contains(&"shown"),
        "a mark the axis can show is drawn: {texts:?}"
    );
    assert!(
        !texts.contains(&"at zero"),
        "a mark at zero on a log axis is left out: {texts:?}"
    );
    for name in ["zeros", "nothing positive", "empty"] {
        assert!(
            texts.contains(&name),
            "every series is in the legend, drawable or not: {name}"
        );
    }

    let nothing = chart(Scale::Linear, Scale::Log, vec![], vec![]);
    nothing
        .to_svg()
        .expect("a chart without series is an empty frame");
}

#[test]
fn a_series_that_stays_at_zero_has_no_negative_ticks() {
    // An empty queue all run long, as in a recording where nothing waited.
    let idle = vec![series("queue", &[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)])];
    let svg = chart(Scale::Linear, Scale::Linear, idle, vec![])
        .to_svg()
        .expect("a flat series draws");
    let texts = texts(&svg);
    assert!(
        texts.contains(&"0") && !texts.iter().any(|t| t.starts_with('-')),
        "the axis starts at 0, with no negative tick: {texts:?}"
    );
}

#[test]
fn writing_into_a_missing_directory_is_an_error() {
    let path = std::env::temp_dir()
        .join("no-such-directory-for-plots")
        .join("chart.svg");
    let error = chart(Scale::Linear, Scale::Linear, vec![], vec![])
        .write_svg(&path)
        .unwrap_err();
    assert!(
        format!("{error:#}").contains("chart.svg"),
        "the error names the file: {error:#}"
    );
}

#[test]
fn tick_labels_are_short() {
    for (value, label) in [
        (0.0, "0"),
        (2500.0, "2.5k"),
        (3e6, "3M"),
        (0.05, "0.05"),
        (12.5, "12.5"),
        (150.0, "150"),
        (1000.0, "1k"),
    ] {
        assert_eq!(human(value), label, "human({value})");
    }
}

/// The number after `name="` in an SVG element's text.
fn attribute(element: &str, name: &str) -> Option<f64> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    element[start..].split('"').next()?.parse().ok()
}

#[test]
fn the_tallest_point_stays_under_the_marks_captions() {
    // A flat line at its maximum all along: the worst case for a caption at the top.
    let flat = series(
        "flat",
        &[(0.0, 20_000.0), (50.0, 20_000.0), (100.0, 20_000.0)],
    );
    let marks = (0..3)
        .map(|i| Mark {
            x: 30.0 * i as f64,
            label: format!("stage {i}"),
        })
        .collect();
    let svg = chart(Scale::Linear, Scale::Linear, vec![flat], marks)
        .to_svg()
        .expect("draws");
    let lowest_caption = svg
        .split("<text")
        .filter(|t| t.contains("stage "))
        .filter_map(|t| attribute(t, "y"))
        .fold(f64::NEG_INFINITY, f64::max);
    // The chart's points are the circles above the legend's swatch, which is at the top right.
    let highest_point = svg
        .split("<circle")
        .skip(1)
        .filter(|c| attribute(c, "cx").is_some_and(|x| x < 600.0))
        .filter_map(|c| attribute(c, "cy"))
        .fold(f64::INFINITY, f64::min);
    let caption_height = 12.0;
    assert!(
        lowest_caption.is_finite() && highest_point.is_finite(),
        "captions at {lowest_caption}, points at {highest_point}"
    );
    assert!(
        lowest_caption + caption_height < highest_point,
        "the lowest caption row (y {lowest_caption}) prints over the tallest point (y \
         {highest_point}): leave room above the data for the captions"
    );
}
