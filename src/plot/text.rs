//! Correct text rasterisation for the PNG output.
//!
//! plotters 0.3.7 draws `ab_glyph` text with each glyph's left side bearing
//! dropped, which makes letter spacing visibly uneven ("cad res"), and puts
//! the baseline higher than its SVG backend does. [`CrispText`] wraps a
//! backend, passes every drawing call through unchanged except text, and
//! rasterises text itself: glyphs at their true sub-pixel positions with
//! kerning, an em of `size / 1.24` pixels and the same baseline rules as the
//! SVG backend, so that the PNG and SVG files of a figure agree.
//!
//! While [`record_text`] runs a closure, every piece of text drawn on the
//! current thread is also recorded with its pixel bounding box (before any
//! clipping at the canvas edge), so tests can check that no text is cut off.

use ab_glyph::{point, Font, FontRef, Glyph, PxScale, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontStyle};

use std::cell::RefCell;

use super::style;

/// The text of one `draw_text` call and the pixel box its glyphs cover,
/// `x0..x1` × `y0..y1` (exclusive ends), in canvas coordinates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextBox {
    pub text: String,
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

thread_local! {
    static RECORDED: RefCell<Option<Vec<TextBox>>> = const { RefCell::new(None) };
}

/// Runs `f` and returns its result with the boxes of all text drawn on this
/// thread meanwhile through [`CrispText`].
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn record_text<R>(f: impl FnOnce() -> R) -> (R, Vec<TextBox>) {
    let outer = RECORDED.with(|r| r.borrow_mut().replace(Vec::new()));
    let out = f();
    let boxes = RECORDED.with(|r| std::mem::replace(&mut *r.borrow_mut(), outer)).unwrap_or_default();
    (out, boxes)
}

fn record(text: &str, pixels: &[(i32, i32)]) {
    RECORDED.with(|r| {
        if let Some(list) = r.borrow_mut().as_mut() {
            let b = pixels
                .iter()
                .fold((i32::MAX, i32::MAX, i32::MIN, i32::MIN), |b, &(x, y)| (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1)));
            if !pixels.is_empty() {
                list.push(TextBox { text: text.to_string(), x0: b.0, y0: b.1, x1: b.2, y1: b.3 });
            }
        }
    });
}

/// A backend whose text is drawn by this module (see the module docs).
pub(crate) struct CrispText<B>(pub B);

/// Glyphs of one line of text laid out from the origin on the baseline.
struct Line {
    glyphs: Vec<Glyph>,
    width: f32,
    x_height: f32,
    em: f32,
}

fn layout(font: &FontRef<'static>, size: f64, text: &str) -> Line {
    let em = (size / 1.24) as f32;
    let upem = font.units_per_em().unwrap_or(2048.0);
    let scale = PxScale::from(em * font.height_unscaled() / upem);
    let sf = font.as_scaled(scale);
    let mut glyphs = Vec::with_capacity(text.len());
    let mut x = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            x += sf.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(x, 0.0)));
        x += sf.h_advance(id);
        prev = Some(id);
    }
    let x_height = font.outline_glyph(sf.scaled_glyph('x')).map(|o| -o.px_bounds().min.y).unwrap_or(em * 0.55);
    Line { glyphs, width: x, x_height, em }
}

impl<B: DrawingBackend> DrawingBackend for CrispText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let Some(font) = style::glyph_font(matches!(style.style(), FontStyle::Bold)) else {
            return self.0.draw_text(text, style, pos);
        };
        let line = layout(font, style.size(), text);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -line.width / 2.0,
            HPos::Right => -line.width,
        };
        // Same baseline offsets as plotters' SVG backend (dy attribute).
        let baseline = match anchor.v_pos {
            VPos::Top => 0.76 * line.em,
            VPos::Center => 0.5 * line.x_height,
            VPos::Bottom => -0.5 * line.x_height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
        for mut g in line.glyphs {
            g.position = point(g.position.x + dx, baseline);
            if let Some(o) = font.outline_glyph(g) {
                let b = o.px_bounds();
                let (x0, y0) = (b.min.x as i32, b.min.y as i32);
                o.draw(|gx, gy, cov| {
                    if cov > 1.0 / 255.0 {
                        pixels.push((x0 + gx as i32, y0 + gy as i32, cov.min(1.0)));
                    }
                });
            }
        }
        let placed: Vec<(i32, i32, f32)> = pixels
            .into_iter()
            .map(|(ox, oy, cov)| {
                let (tx, ty) = trans.transform(ox, oy);
                (pos.0 + tx, pos.1 + ty, cov)
            })
            .collect();
        if RECORDED.with(|r| r.borrow().is_some()) {
            let inked: Vec<(i32, i32)> = placed.iter().filter(|p| p.2 > 0.25).map(|p| (p.0, p.1)).collect();
            record(text, &inked);
        }
        for (x, y, cov) in placed {
            if x >= 0 && y >= 0 && x < w as i32 && y < h as i32 {
                let c = BackendColor { alpha: color.alpha * f64::from(cov), rgb: color.rgb };
                self.0.draw_pixel((x, y), c)?;
            }
        }
        Ok(())
    }
}
