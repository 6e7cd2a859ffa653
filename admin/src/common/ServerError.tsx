// A form's refusal by the server that no field holds (submissionErrors' root.serverError), in words.
import { Alert } from '@mui/material';
import { useFormState } from 'react-hook-form';

export const ServerError = () => {
  const { errors } = useFormState();
  const message = (errors.root as { serverError?: { message?: string } } | undefined)?.serverError?.message;
  return message ? <Alert severity="error" role="alert">{message}</Alert> : null;
};
