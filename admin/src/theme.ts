// react-admin's default theme, with the system font stack (no web font is fetched), a primary
// colour with enough contrast, and a focus ring that keyboard users can see on every control.
import { defaultDarkTheme, defaultLightTheme, type RaThemeOptions } from 'react-admin';

const fontFamily = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const tune = (theme: RaThemeOptions, palette: RaThemeOptions['palette']): RaThemeOptions => ({
  ...theme,
  palette: { ...theme.palette, ...palette },
  typography: { ...theme.typography, fontFamily },
  components: {
    ...theme.components,
    MuiButtonBase: { styleOverrides: { root: { '&.Mui-focusVisible': { outline: '2px solid currentColor', outlineOffset: 2 } } } },
    MuiLink: { styleOverrides: { root: { '&:focus-visible': { outline: '2px solid currentColor', outlineOffset: 2 } } } },
  },
});

// Light: the app bar (secondary) and buttons (primary) dark enough for white text at WCAG AA.
const contrastBlue = { main: '#1565c0', contrastText: '#fff' };
export const lightTheme = tune(defaultLightTheme, { primary: contrastBlue, secondary: contrastBlue });
export const darkTheme = tune(defaultDarkTheme, {});
