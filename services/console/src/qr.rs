//! A poll's link as a QR code (the `qrcode` crate), SVG: sharp at any size, on a projector
//! too, and without scripts or inline styles.

use qrcode::QrCode;
use qrcode::render::svg;

/// The SVG of `text`'s QR code, without an XML declaration so it can sit inside a page.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = image.find("<svg")?;
    Some(image[start..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_becomes_an_inline_svg() {
        let svg = svg("http://127.0.0.1:8080/p/abc").expect("encodes");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("viewBox"));
        assert!(!svg.contains("style="), "no inline style (CSP)");
    }
}
