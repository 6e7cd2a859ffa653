import { Card, CardContent, Stack, Typography } from '@mui/material';
import type { ReactNode } from 'react';

/** A titled card that screen readers list as a region named by its heading. */
export const Section = ({ id, title, action, children }: { id: string; title: string; action?: ReactNode; children: ReactNode }) => (
  <Card component="section" aria-labelledby={`${id}-title`} variant="outlined" sx={{ minWidth: 0 }}>
    <CardContent>
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between', gap: 1, flexWrap: 'wrap', mb: 1.5 }}>
        <Typography id={`${id}-title`} component="h2" variant="h6">{title}</Typography>
        {action}
      </Stack>
      {children}
    </CardContent>
  </Card>
);
