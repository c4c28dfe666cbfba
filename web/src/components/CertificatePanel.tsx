// The public certificate opsgate generated for a connection, as the operator needs it for the
// app registration ("Certificates & secrets" → "Upload certificate"): the PEM to copy or
// download, and the thumbprints to recognise it there. There is no private key on this side.
import { useId, useState } from 'react';
import { formatDate } from '../format.ts';
import type { ConnectionCertificate } from '../types.ts';

function download(name: string, pem: string) {
  const url = URL.createObjectURL(new Blob([pem], { type: 'application/x-pem-file' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function CertificatePanel({ cert, fileName, fresh = false }: { cert: ConnectionCertificate; fileName: string; fresh?: boolean }) {
  const [copied, setCopied] = useState<'ok' | 'failed' | null>(null);
  // One page can show the same certificate twice (a fresh notice and its row), so the id is the panel's own.
  const pemId = useId();
  async function copy() {
    try {
      await navigator.clipboard.writeText(cert.pem);
      setCopied('ok');
    } catch {
      // Clipboard access can be refused (permissions, plain HTTP): the text area stays selectable.
      setCopied('failed');
    }
  }
  const safeName = `${fileName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'opsgate'}.cer`;
  return (
    <div className="certificate-panel" data-testid="certificate-panel">
      {fresh ? (
        <p>
          Upload this certificate to the app registration (<em>Certificates &amp; secrets → Certificates → Upload certificate</em>), then run “Check
          connection”. opsgate keeps the private key encrypted and never shows it.
        </p>
      ) : null}
      <dl className="facts">
        <div className="facts-row">
          <dt>Thumbprint (SHA-1, as the portal lists it)</dt>
          <dd>
            <code data-testid="thumbprint-sha1">{cert.thumbprintSha1}</code>
          </dd>
        </div>
        <div className="facts-row">
          <dt>SHA-256 thumbprint (x5t#S256)</dt>
          <dd>
            <code data-testid="thumbprint-sha256">{cert.thumbprintSha256}</code>
          </dd>
        </div>
        <div className="facts-row">
          <dt>Valid</dt>
          <dd>
            {formatDate(cert.notBefore)} to {formatDate(cert.notAfter)} · {cert.subject}
          </dd>
        </div>
      </dl>
      <label className="visually-hidden" htmlFor={pemId}>
        Public certificate (PEM)
      </label>
      <textarea id={pemId} className="pem" readOnly rows={8} value={cert.pem} spellCheck={false} onFocus={(e) => e.currentTarget.select()} />
      <div className="button-row">
        <button type="button" className="button button-secondary" onClick={() => void copy()}>
          Copy certificate
        </button>
        <button type="button" className="button button-secondary" onClick={() => download(safeName, cert.pem)}>
          Download certificate
        </button>
        {copied ? (
          <span className="muted small" role="status">
            {copied === 'ok' ? 'Copied.' : 'Copying was refused by the browser: select the text above instead.'}
          </span>
        ) : null}
      </div>
    </div>
  );
}
