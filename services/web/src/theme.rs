//! Themes and accents. A page is `light`, `dark` or `auto` (the visitor's
//! `prefers-color-scheme`); a site owner's accent colour is validated and, where it would
//! fail WCAG AA contrast (4.5:1 for text), darkened or lightened until it passes: the page is
//! served as readable, whatever colour was asked for.

/// The page backgrounds the accent must stand out against (as in `web/static/poll.css`).
const LIGHT_BACKGROUND: Rgb = Rgb(0xff, 0xff, 0xff);
const DARK_BACKGROUND: Rgb = Rgb(0x0b, 0x10, 0x20);
/// Text on an accent-coloured button is white in both themes.
const BUTTON_TEXT: Rgb = Rgb(0xff, 0xff, 0xff);
const AA_TEXT: f64 = 4.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    Light,
    Dark,
    #[default]
    Auto,
}

impl Theme {
    pub fn parse(s: Option<&str>) -> Theme {
        match s {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::Auto,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `rrggbb` or `#rrggbb`; anything else is not a colour.
    pub fn parse(s: &str) -> Option<Rgb> {
        let hex = s.strip_prefix('#').unwrap_or(s);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    pub fn hex(self) -> String {
        format!("{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    fn mix(self, toward: Rgb, amount: f64) -> Rgb {
        let m =
            |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * amount).round() as u8;
        Rgb(
            m(self.0, toward.0),
            m(self.1, toward.1),
            m(self.2, toward.2),
        )
    }

    /// The closest colour to this one (mixed toward black or white in 2% steps) with at
    /// least `ratio` contrast against `against`.
    fn readable_on(self, against: Rgb, ratio: f64) -> Rgb {
        let toward = if against.luminance() > 0.5 {
            Rgb(0, 0, 0)
        } else {
            Rgb(0xff, 0xff, 0xff)
        };
        (0..=50)
            .map(|step| self.mix(toward, f64::from(step) / 50.0))
            .find(|c| c.contrast(against) >= ratio)
            .unwrap_or(toward)
    }
}

/// The colours a page uses for one accent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accent {
    /// Buttons and selected options (white text on it).
    pub fill: Rgb,
    /// Accent-coloured text and focus rings on the light background.
    pub on_light: Rgb,
    /// The same on the dark background.
    pub on_dark: Rgb,
}

impl Accent {
    pub const DEFAULT: Rgb = Rgb(0x4f, 0x46, 0xe5);

    pub fn new(asked: Rgb) -> Accent {
        let fill = asked.readable_on(BUTTON_TEXT, AA_TEXT);
        Accent {
            fill,
            on_light: asked.readable_on(LIGHT_BACKGROUND, AA_TEXT),
            on_dark: asked.readable_on(DARK_BACKGROUND, AA_TEXT),
        }
    }

    /// The stylesheet `/static/accent/{hex}.css` serves.
    pub fn css(self) -> String {
        format!(
            ":root{{--accent:#{};--accent-on-light:#{};--accent-on-dark:#{}}}\n",
            self.fill.hex(),
            self.on_light.hex(),
            self.on_dark.hex()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_six_hex_digits_are_a_colour() {
        assert_eq!(Rgb::parse("#4F46e5"), Some(Rgb(0x4f, 0x46, 0xe5)));
        assert_eq!(Rgb::parse("4f46e5"), Some(Rgb(0x4f, 0x46, 0xe5)));
        for bad in [
            "",
            "#fff",
            "red",
            "#4f46e5;",
            "#4f46e5 ",
            "#ggffff",
            "#4f46e5ff",
        ] {
            assert_eq!(Rgb::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_accent_that_fails_contrast_is_adjusted_not_obeyed() {
        for asked in [
            "ffff00", "ffffff", "000000", "4f46e5", "22c55e", "0b1020", "ff69b4",
        ] {
            let accent = Accent::new(Rgb::parse(asked).unwrap());
            assert!(
                accent.fill.contrast(BUTTON_TEXT) >= AA_TEXT,
                "{asked}: fill"
            );
            assert!(
                accent.on_light.contrast(LIGHT_BACKGROUND) >= AA_TEXT,
                "{asked}: light"
            );
            assert!(
                accent.on_dark.contrast(DARK_BACKGROUND) >= AA_TEXT,
                "{asked}: dark"
            );
        }
        // A colour that passes is kept as it is.
        let dark_blue = Rgb(0x1e, 0x3a, 0x8a);
        assert_eq!(Accent::new(dark_blue).fill, dark_blue);
    }
}
