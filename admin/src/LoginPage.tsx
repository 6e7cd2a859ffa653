// One field: the operator key (`npx ledger-safe keys create --role operator`, or the demo key that
// `npm start` prints on its first start). After the server refused the session's key, it says so.
import { Alert, Box, Button, Card, CardContent, CircularProgress, Stack, TextField, Typography } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { useLogin, useTranslate } from 'react-admin';
import { session } from './session';

export const LoginPage = () => {
  const login = useLogin();
  const translate = useTranslate();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(() => (session.refused() ? 'ls.login.refused' : null));
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login({ key });
    } catch (e) {
      setError((e as Error)?.message || 'ls.login.unavailable');
      setBusy(false);
    }
  };

  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', p: 2, bgcolor: 'background.default' }}>
      <Card component="form" onSubmit={submit} noValidate aria-labelledby="login-title" sx={{ width: '100%', maxWidth: 440 }}>
        <CardContent>
          <Stack spacing={2}>
            <Typography id="login-title" component="h1" variant="h5">{translate('ls.app.title')}</Typography>
            <Typography variant="body2" color="text.secondary">{translate('ls.login.intro')}</Typography>
            {error && <Alert severity="error" role="alert">{translate(error, { _: error })}</Alert>}
            <TextField
              id="operator-key"
              label={translate('ls.login.key')}
              type="password"
              autoComplete="off"
              autoFocus
              required
              fullWidth
              value={key}
              onChange={(e) => setKey(e.target.value)}
              error={Boolean(error)}
              helperText={translate('ls.login.key_help')}
            />
            <Button type="submit" variant="contained" size="large" disabled={busy || key.trim() === ''}
              startIcon={busy ? <CircularProgress size={18} color="inherit" aria-hidden /> : undefined}>
              {translate('ls.login.submit')}
            </Button>
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
};
