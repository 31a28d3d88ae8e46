//! The PNG backend: plotters' `BitMapBackend` with its own text drawing.
//!
//! plotters' `ab_glyph` text drawing places each glyph's bounding box at the
//! pen position, ignoring its side bearing, so letters are spaced unevenly
//! ("Mon thly"), and it never switches to the bold face. [`Raster`] hands
//! every shape to `BitMapBackend` and lays text out itself with ab_glyph:
//! glyphs at their pen position with side bearings and kerning, sub-pixel
//! positioned, anti-aliased, in the face the style asks for. Sizes follow
//! plotters' SVG backend (a style of size `s` has an em of `s / 1.24`
//! pixels), so a chart's PNG and SVG match.

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};
use plotters::prelude::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontStyle,
};

type Error = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

/// The faces text is drawn in.
pub struct Faces {
    pub regular: FontRef<'static>,
    pub bold: FontRef<'static>,
}

impl Faces {
    /// Parses the font files; `None` if one is not a font.
    pub fn parse(regular: &'static [u8], bold: &'static [u8]) -> Option<Faces> {
        Some(Faces { regular: FontRef::try_from_slice(regular).ok()?, bold: FontRef::try_from_slice(bold).ok()? })
    }
}

/// A bitmap backend drawing text in `faces`.
pub struct Raster<'a> {
    inner: BitMapBackend<'a>,
    faces: &'a Faces,
}

impl<'a> Raster<'a> {
    /// Draws into `rgb`, `w x h` pixels of 8-bit RGB.
    pub fn new(rgb: &'a mut [u8], (w, h): (u32, u32), faces: &'a Faces) -> Self {
        Raster { inner: BitMapBackend::with_buffer(rgb, (w, h)), faces }
    }

    /// Glyphs of `text` positioned with the top of its line box at y = 0,
    /// and the box's width and height.
    fn layout<S: BackendTextStyle>(&self, text: &str, style: &S) -> (Vec<Glyph>, &'a FontRef<'static>, f32, f32) {
        let font = match style.style() {
            FontStyle::Bold => &self.faces.bold,
            _ => &self.faces.regular,
        };
        let em = style.size() as f32 / 1.24;
        let units = font.units_per_em().unwrap_or(1000.0);
        let scaled = font.as_scaled(PxScale::from(em * font.height_unscaled() / units));
        let ascent = scaled.ascent();
        let mut caret = 0.0f32;
        let mut prev = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                caret += scaled.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(scaled.scale(), point(caret, ascent)));
            caret += scaled.h_advance(id);
            prev = Some(id);
        }
        (glyphs, font, caret, ascent - scaled.descent())
    }
}

impl DrawingBackend for Raster<'_> {
    type ErrorType = Error;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Error>> {
        let (_, _, w, h) = self.layout(text, style);
        Ok((w.ceil() as u32, h.ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Error>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (glyphs, font, w, h) = self.layout(text, style);
        // Offsets of the anchor within the text box, as plotters' backends do.
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -w / 2.0,
            HPos::Right => -w,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -h / 2.0,
            VPos::Bottom => -h,
        };
        let transform = style.transform();
        let mut result = Ok(());
        for glyph in glyphs {
            let Some(outline) = font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            outline.draw(|x, y, coverage| {
                if coverage <= 0.0 || result.is_err() {
                    return;
                }
                let gx = (bounds.min.x + x as f32 + dx).round() as i32;
                let gy = (bounds.min.y + y as f32 + dy).round() as i32;
                let (tx, ty) = transform.transform(gx, gy);
                result = self.inner.draw_pixel(
                    (pos.0 + tx, pos.1 + ty),
                    BackendColor { alpha: color.alpha * coverage.min(1.0) as f64, rgb: color.rgb },
                );
            });
            if result.is_err() {
                break;
            }
        }
        result
    }
}
