//! Carving a screen area into pieces, one edge at a time.
//!
//! The dashboard lays itself out by taking rows off the top and bottom of what is left, most
//! important first. Each cut takes what it asked for or what remains, whichever is smaller, so
//! on a tiny terminal the last pieces simply come out empty — and every widget draws nothing
//! into an empty area — instead of anything overflowing or panicking.

use ratatui::layout::Rect;

/// Takes up to `rows` rows off the top of `area`.
pub fn take_top(area: &mut Rect, rows: u16) -> Rect {
    let rows = rows.min(area.height);
    let top = Rect {
        height: rows,
        ..*area
    };
    area.y += rows;
    area.height -= rows;
    top
}

/// Takes up to `rows` rows off the bottom of `area`.
pub fn take_bottom(area: &mut Rect, rows: u16) -> Rect {
    let rows = rows.min(area.height);
    area.height -= rows;
    Rect {
        y: area.y + area.height,
        height: rows,
        ..*area
    }
}

/// Takes up to `cols` columns off the left of `area`.
pub fn take_left(area: &mut Rect, cols: u16) -> Rect {
    let cols = cols.min(area.width);
    let left = Rect {
        width: cols,
        ..*area
    };
    area.x += cols;
    area.width -= cols;
    left
}

/// Takes up to `cols` columns off the right of `area`.
pub fn take_right(area: &mut Rect, cols: u16) -> Rect {
    let cols = cols.min(area.width);
    area.width -= cols;
    Rect {
        x: area.x + area.width,
        width: cols,
        ..*area
    }
}

/// A `width` × `height` area in the middle of `area` (smaller if `area` is).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// `percent` % of `n`, rounded down, without overflowing on the widest terminals.
pub fn share(n: u16, percent: u16) -> u16 {
    let part = u32::from(n) * u32::from(percent) / 100;
    u16::try_from(part).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_never_take_more_than_there_is() {
        let mut area = Rect::new(2, 3, 10, 5);
        assert_eq!(take_top(&mut area, 2), Rect::new(2, 3, 10, 2));
        assert_eq!(take_bottom(&mut area, 1), Rect::new(2, 7, 10, 1));
        assert_eq!(area, Rect::new(2, 5, 10, 2));
        assert_eq!(take_top(&mut area, 9), Rect::new(2, 5, 10, 2));
        assert_eq!(area.height, 0);
        assert_eq!(take_bottom(&mut area, 1).height, 0);

        let mut area = Rect::new(0, 0, 10, 1);
        assert_eq!(take_left(&mut area, 4), Rect::new(0, 0, 4, 1));
        assert_eq!(take_right(&mut area, 4), Rect::new(6, 0, 4, 1));
        assert_eq!(area, Rect::new(4, 0, 2, 1));
        assert_eq!(take_right(&mut area, 5).width, 2);
    }

    #[test]
    fn shares_do_not_overflow() {
        assert_eq!(share(80, 42), 33);
        assert_eq!(share(u16::MAX, 100), u16::MAX);
        assert_eq!(share(u16::MAX, 50), 32_767);
        assert_eq!(share(0, 40), 0);
    }

    #[test]
    fn centered_fits_inside() {
        assert_eq!(
            centered(Rect::new(0, 0, 80, 24), 60, 10),
            Rect::new(10, 7, 60, 10)
        );
        assert_eq!(
            centered(Rect::new(5, 5, 20, 5), 60, 10),
            Rect::new(5, 5, 20, 5)
        );
    }
}
