import { useMediaQuery, type Theme } from '@mui/material';

/** Phones: lists become SimpleLists and dialogs full screen. */
export const useIsSmall = () => useMediaQuery((theme: Theme) => theme.breakpoints.down('md'));
