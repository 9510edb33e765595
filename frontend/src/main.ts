import { mount } from 'svelte';
// The base styles first: the screens' own style files come after and build on them.
import './app.css';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('#app missing in index.html');
mount(App, { target });
