// Warden's account pages: email verification and password reset. A plain script without
// dependencies: the pages' Content-Security-Policy allows scripts from this origin only, and no
// inline code or event handler attributes.
'use strict';

(() => {
  const PASSWORD_MIN_LENGTH = 8;
  const PASSWORD_MAX_LENGTH = 128;

  // The pages are {base}/account/<page>, the API is {base}/…: relative, so that the pages work
  // behind a path prefix too.
  const API_BASE = new URL('../', location.href);

  const INVALID_LINK =
    'This link is invalid, has been used, or has expired. Request a new one, and use the link in the newest email.';
  const MISSING_LINK =
    'Open the link in the email you received. If it does not work, request a new one.';

  const alertRegion = document.getElementById('alert');
  const statusRegion = document.getElementById('status');

  /** The link's token, read once: the address bar, and so the history, keep the page without it. */
  function takeToken() {
    const token = new URLSearchParams(location.search).get('token')?.trim();
    if (location.search || location.hash) {
      history.replaceState(null, '', location.pathname);
    }
    return token || null;
  }

  /** Fills a region with paragraphs, each a list of strings and nodes: text is never parsed as HTML. */
  function fill(region, paragraphs) {
    region.replaceChildren(
      ...paragraphs.map((parts) => {
        const paragraph = document.createElement('p');
        paragraph.append(...[parts].flat());
        return paragraph;
      }),
    );
  }

  function strong(text) {
    const element = document.createElement('strong');
    element.textContent = text;
    return element;
  }

  /** An error or a dead end, announced at once; the focus moves to it unless `focus` is false. */
  function showAlert(paragraphs, { focus = true } = {}) {
    statusRegion.replaceChildren();
    fill(alertRegion, paragraphs);
    if (focus) {
      alertRegion.focus();
    }
  }

  /** Progress or success, announced politely; the focus moves to it when `focus` is true. */
  function showStatus(paragraphs, { focus = false } = {}) {
    alertRegion.replaceChildren();
    fill(statusRegion, paragraphs);
    if (focus) {
      statusRegion.focus();
    }
  }

  /**
   * POSTs JSON to the API: the status (0 when the server could not be reached), the JSON body if
   * there is one (problem+json for an error), and Retry-After.
   */
  async function post(path, body) {
    let response;
    try {
      response = await fetch(new URL(path, API_BASE), {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, application/problem+json',
        },
        body: JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
      });
    } catch {
      return { status: 0, body: null, retryAfter: null };
    }
    const result = {
      status: response.status,
      body: null,
      retryAfter: response.headers.get('Retry-After'),
    };
    if (/json/i.test(response.headers.get('Content-Type') ?? '')) {
      try {
        const json = await response.json();
        result.body = json !== null && typeof json === 'object' ? json : null;
      } catch {
        // An unreadable body is treated like none.
      }
    }
    return result;
  }

  const codeOf = (result) => (typeof result.body?.code === 'string' ? result.body.code : null);

  /** "in 30 seconds", "in 2 minutes", from a Retry-After in seconds or as an HTTP date. */
  function waitText(retryAfter) {
    let seconds = Number(retryAfter);
    if (retryAfter && !Number.isFinite(seconds)) {
      seconds = (Date.parse(retryAfter) - Date.now()) / 1000;
    }
    if (!retryAfter || !Number.isFinite(seconds) || seconds <= 0) {
      return 'in a moment';
    }
    if (seconds < 90) {
      const whole = Math.ceil(seconds);
      return whole === 1 ? 'in 1 second' : `in ${whole} seconds`;
    }
    return `in ${Math.ceil(seconds / 60)} minutes`;
  }

  /** The message for a failure that trying again later can mend, or null. */
  function transientFailure({ status, retryAfter }) {
    if (status === 0) {
      return 'The server could not be reached. Check your connection and try again.';
    }
    if (status === 429) {
      return `Too many attempts. Try again ${waitText(retryAfter)}.`;
    }
    if (status >= 500) {
      return `The service is temporarily unavailable. Try again ${waitText(retryAfter)}.`;
    }
    return null;
  }

  function unexpectedFailure(result) {
    const detail = typeof result.body?.detail === 'string' ? result.body.detail : '';
    return detail
      ? `Something went wrong: ${detail}`
      : `Something went wrong (error ${result.status}). Try again later.`;
  }

  function verifyEmailPage() {
    const retryButton = document.getElementById('retry');
    const token = takeToken();
    let busy = false;

    if (!token) {
      showAlert(
        [
          'This page verifies your email address with the link from your email, and the link is missing here.',
          MISSING_LINK,
        ],
        { focus: false },
      );
      return;
    }

    async function verify() {
      busy = true;
      retryButton.hidden = true;
      showStatus(['Verifying…']);
      const result = await post('auth/email/verify', { token });
      busy = false;

      const email = typeof result.body?.email === 'string' ? result.body.email : '';
      if (result.status >= 200 && result.status < 300 && email) {
        document.title = 'Email address verified';
        showStatus([['Your email address ', strong(email), ' is verified.']], { focus: true });
        return;
      }
      const transient = transientFailure(result);
      if (transient) {
        retryButton.hidden = false;
        showAlert([transient]);
        return;
      }
      document.title = 'Email address not verified';
      if (codeOf(result) === 'email_taken') {
        showAlert([
          'Another account now uses this email address, so your email address was not changed.',
          'Request the change again with another address.',
        ]);
      } else if (codeOf(result) === 'invalid_link_token' || result.status === 400) {
        showAlert([INVALID_LINK]);
      } else {
        showAlert([unexpectedFailure(result)]);
      }
    }

    retryButton.addEventListener('click', () => {
      if (!busy) {
        statusRegion.focus();
        void verify();
      }
    });
    void verify();
  }

  function resetPasswordPage() {
    const form = document.getElementById('reset-form');
    const submitButton = document.getElementById('submit');
    const fields = {
      newPassword: {
        input: document.getElementById('new-password'),
        error: document.getElementById('new-password-error'),
        hintId: 'new-password-hint',
      },
      confirmPassword: {
        input: document.getElementById('confirm-password'),
        error: document.getElementById('confirm-password-error'),
        hintId: null,
      },
    };
    const token = takeToken();
    let busy = false;

    if (!token) {
      showAlert(
        [
          'This page sets a new password with the link from your password reset email, and the link is missing here.',
          MISSING_LINK,
        ],
        { focus: false },
      );
      return;
    }
    form.hidden = false;

    function setFieldError({ input, error, hintId }, message) {
      error.textContent = message ?? '';
      error.hidden = !message;
      const describedBy = [hintId, message ? error.id : null].filter(Boolean).join(' ');
      if (describedBy) {
        input.setAttribute('aria-describedby', describedBy);
      } else {
        input.removeAttribute('aria-describedby');
      }
      if (message) {
        input.setAttribute('aria-invalid', 'true');
      } else {
        input.removeAttribute('aria-invalid');
      }
    }

    /**
     * Shows each field's error or clears it; when there is one, announces them and moves the focus
     * to the first invalid field. Answers whether there was one.
     */
    function showFieldErrors(errors) {
      const invalid = Object.keys(fields).filter((name) => errors[name]);
      for (const [name, field] of Object.entries(fields)) {
        setFieldError(field, errors[name]);
      }
      if (invalid.length === 0) {
        return false;
      }
      showAlert(['Your password was not changed.', ...invalid.map((name) => errors[name])], {
        focus: false,
      });
      fields[invalid[0]].input.focus();
      return true;
    }

    // Characters as people count them (code points), as the server does.
    const lengthOf = (text) => Array.from(text).length;

    function checkFields() {
      const newPassword = fields.newPassword.input.value;
      const confirmation = fields.confirmPassword.input.value;
      const errors = {};
      if (!newPassword) {
        errors.newPassword = 'Enter a new password.';
      } else if (lengthOf(newPassword) < PASSWORD_MIN_LENGTH) {
        errors.newPassword = `The new password is too short: use at least ${PASSWORD_MIN_LENGTH} characters.`;
      } else if (lengthOf(newPassword) > PASSWORD_MAX_LENGTH) {
        errors.newPassword = `The new password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`;
      }
      if (!confirmation) {
        errors.confirmPassword = 'Enter the new password again.';
      } else if (newPassword && confirmation !== newPassword) {
        errors.confirmPassword = 'The passwords do not match. Enter the same password twice.';
      }
      return errors;
    }

    /** The server's field errors, in this page's words; `token` when the link itself was refused. */
    function serverFieldErrors(result) {
      const errors = {};
      const list = Array.isArray(result.body?.errors) ? result.body.errors : [];
      for (const { field, message } of list.filter((error) => error && typeof error === 'object')) {
        const text = typeof message === 'string' ? message : '';
        if (field === 'token') {
          errors.token = true;
        } else if (field === 'newPassword' && !errors.newPassword) {
          if (/common/i.test(text)) {
            errors.newPassword =
              'This password is one of the most commonly used passwords. Choose another.';
          } else if (/characters|long|short/i.test(text)) {
            errors.newPassword = `Use ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`;
          } else {
            errors.newPassword = `This password cannot be used: ${text}`;
          }
        }
      }
      return errors;
    }

    function showDeadLink() {
      form.reset();
      form.hidden = true;
      document.title = 'Password not changed';
      showAlert([INVALID_LINK]);
    }

    function setBusy(value) {
      busy = value;
      // aria-disabled rather than disabled: the button keeps the focus while the request runs.
      submitButton.setAttribute('aria-disabled', String(value));
      submitButton.textContent = value ? 'Changing password…' : 'Change password';
    }

    async function submit() {
      if (showFieldErrors(checkFields())) {
        return;
      }
      setBusy(true);
      showStatus(['Changing your password…']);
      const result = await post('auth/password/reset', {
        token,
        newPassword: fields.newPassword.input.value,
      });
      setBusy(false);

      if (result.status >= 200 && result.status < 300) {
        form.remove();
        document.title = 'Password changed';
        showStatus(
          [
            'Your password has been changed, and every session has been signed out. You can now sign in with your new password.',
          ],
          { focus: true },
        );
        return;
      }
      const transient = transientFailure(result);
      if (transient) {
        showAlert(['Your password was not changed.', transient]);
        return;
      }
      const code = codeOf(result);
      if (code === 'invalid_link_token') {
        showDeadLink();
        return;
      }
      if (code === 'validation_failed') {
        const errors = serverFieldErrors(result);
        if (errors.token) {
          showDeadLink();
          return;
        }
        if (showFieldErrors(errors)) {
          return;
        }
      }
      showAlert(['Your password was not changed.', unexpectedFailure(result)]);
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!busy) {
        void submit();
      }
    });

    document.getElementById('show-passwords').addEventListener('change', (event) => {
      const type = event.target.checked ? 'text' : 'password';
      fields.newPassword.input.type = type;
      fields.confirmPassword.input.type = type;
    });
  }

  const pages = { 'verify-email': verifyEmailPage, 'reset-password': resetPasswordPage };
  pages[document.body.dataset.page]?.();
})();
