import { Router } from '@solidjs/router'
import { render } from 'solid-js/web'
import { App } from './app.tsx'
import { routes } from './routes.tsx'
import './styles.css'

render(() => <Router root={App}>{routes}</Router>, document.getElementById('root')!)
