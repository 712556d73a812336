// Entry point: one bridge connection and REST client for the page's lifetime, then the React tree.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectToBridge } from './connection/bridgeConnection';
import { createApi, readToken, webSocketUrl } from './connection/api';
import { initI18n } from './i18n';
import './styles.css';

initI18n();
const token = readToken(window.location.search, window.location.hash);
const services = { connection: connectToBridge({ url: webSocketUrl(window.location, token) }), api: createApi(token) };

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App services={services} />
    </StrictMode>,
  );
}
