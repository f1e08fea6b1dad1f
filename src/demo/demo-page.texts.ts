/**
 * The demo home page's own texts in the eight languages the banner has (its category texts are in
 * demo-translations.ts). The server writes the static ones into index.html (`{{key}}`) and hands all of them
 * to the page's scripts in `<meta name="demo-texts">`; the other pages are English and get the English ones
 * (their navigation bar). `{…}` are filled in by the server or the scripts.
 */
export interface DemoPageTexts {
  title: string;
  navLabel: string;
  heading: string;
  intro: string;
  yourConsent: string;
  colCategory: string;
  colState: string;
  colUse: string;
  tryGate: string;
  /** `{track}`, `{theme}`, `{analytics}`, `{ads}`: the route and the cookie names, set in code. */
  trackIntro: string;
  trackButton: string;
  more: string;
  apiDocs: string;
  health: string;
  granted: string;
  refused: string;
  undecided: string;
  necessaryUse: string;
  mayUse: string;
  noCookie: string;
  noteUndecided: string;
  noteGpcHonoured: string;
  noteOptOut: string;
  noteDecided: string;
  gpcHonoured: string;
  gpcOverride: string;
  trackResult: string;
  none: string;
  navHome: string;
  navAccount: string;
  navSignIn: string;
  navAdmin: string;
  navCookieSettings: string;
  signedInAs: string;
  notSignedIn: string;
}

const en: DemoPageTexts = {
  title: 'Home · nestjs-auth-consent demo',
  navLabel: 'Main',
  heading: 'nestjs-auth-consent demo',
  intro:
    'This site sets no non-essential cookie unless you agree. The server enforces it: the consent gate strips every declared cookie of a category you have not granted, whatever the app code does.',
  yourConsent: 'Your consent',
  colCategory: 'Category',
  colState: 'State',
  colUse: 'What the demo does with it',
  tryGate: 'Try the gate',
  trackIntro: '{track} tries to set {theme}, {analytics} and {ads} on every call.',
  trackButton: 'Call /demo/track',
  more: 'More',
  apiDocs: 'API documentation (OpenAPI)',
  health: 'Health',
  granted: 'granted',
  refused: 'refused',
  undecided: 'not decided (off)',
  necessaryUse: 'keeps you signed in and remembers this choice',
  mayUse: 'may set {cookies}',
  noCookie: 'no cookie',
  noteUndecided: 'You have not decided yet: only strictly necessary cookies are allowed.',
  noteGpcHonoured: 'Global Privacy Control honoured.',
  noteOptOut:
    'Opt-out rules apply in your region{region}: optional cookies are on until you refuse them under "Your privacy choices"{gpc}.',
  noteDecided: 'Decided {at}, valid until {until}{gpc}.',
  gpcHonoured: ' (Global Privacy Control honoured)',
  gpcOverride: ' (you chose to override Global Privacy Control for {categories})',
  trackResult: 'Demo cookies in this browser now: {cookies}',
  none: 'none',
  navHome: 'Home',
  navAccount: 'Account',
  navSignIn: 'Sign in',
  navAdmin: 'Admin',
  navCookieSettings: 'Cookie settings',
  signedInAs: 'Signed in as {name}',
  notSignedIn: 'Not signed in',
};

const de: DemoPageTexts = {
  title: 'Startseite · nestjs-auth-consent-Demo',
  navLabel: 'Hauptmenü',
  heading: 'nestjs-auth-consent-Demo',
  intro:
    'Diese Website setzt kein nicht notwendiges Cookie, wenn Sie nicht zustimmen. Der Server setzt das durch: Die Einwilligungsprüfung entfernt jedes deklarierte Cookie einer Kategorie, in die Sie nicht eingewilligt haben, ganz gleich, was der Code der Anwendung tut.',
  yourConsent: 'Ihre Einwilligung',
  colCategory: 'Kategorie',
  colState: 'Status',
  colUse: 'Was die Demo damit tut',
  tryGate: 'Die Prüfung ausprobieren',
  trackIntro: '{track} versucht bei jedem Aufruf, {theme}, {analytics} und {ads} zu setzen.',
  trackButton: '/demo/track aufrufen',
  more: 'Mehr',
  apiDocs: 'API-Dokumentation (OpenAPI)',
  health: 'Systemstatus',
  granted: 'erteilt',
  refused: 'abgelehnt',
  undecided: 'nicht entschieden (aus)',
  necessaryUse: 'hält Sie angemeldet und speichert diese Auswahl',
  mayUse: 'darf {cookies} setzen',
  noCookie: 'kein Cookie',
  noteUndecided: 'Sie haben noch nicht entschieden: Nur unbedingt erforderliche Cookies sind erlaubt.',
  noteGpcHonoured: 'Global Privacy Control wird beachtet.',
  noteOptOut:
    'In Ihrer Region{region} gilt Widerspruch statt Einwilligung: Optionale Cookies sind aktiv, bis Sie sie unter „Ihre Datenschutzoptionen“ ablehnen{gpc}.',
  noteDecided: 'Entschieden am {at}, gültig bis {until}{gpc}.',
  gpcHonoured: ' (Global Privacy Control wird beachtet)',
  gpcOverride: ' (Sie haben sich für {categories} über Global Privacy Control hinweggesetzt)',
  trackResult: 'Demo-Cookies in diesem Browser jetzt: {cookies}',
  none: 'keine',
  navHome: 'Startseite',
  navAccount: 'Konto',
  navSignIn: 'Anmelden',
  navAdmin: 'Verwaltung',
  navCookieSettings: 'Cookie-Einstellungen',
  signedInAs: 'Angemeldet als {name}',
  notSignedIn: 'Nicht angemeldet',
};

const fr: DemoPageTexts = {
  title: 'Accueil · démo nestjs-auth-consent',
  navLabel: 'Menu principal',
  heading: 'Démo nestjs-auth-consent',
  intro:
    'Ce site ne dépose aucun cookie non essentiel sans votre accord. Le serveur y veille : le contrôle du consentement retire chaque cookie déclaré d’une catégorie que vous n’avez pas acceptée, quoi que fasse le code de l’application.',
  yourConsent: 'Votre consentement',
  colCategory: 'Catégorie',
  colState: 'État',
  colUse: 'Ce que la démo en fait',
  tryGate: 'Essayer le contrôle',
  trackIntro: '{track} tente de déposer {theme}, {analytics} et {ads} à chaque appel.',
  trackButton: 'Appeler /demo/track',
  more: 'Plus',
  apiDocs: 'Documentation de l’API (OpenAPI)',
  health: 'État du service',
  granted: 'accepté',
  refused: 'refusé',
  undecided: 'pas encore choisi (désactivé)',
  necessaryUse: 'vous garde connecté et mémorise ce choix',
  mayUse: 'peut déposer {cookies}',
  noCookie: 'aucun cookie',
  noteUndecided: 'Vous n’avez pas encore choisi : seuls les cookies strictement nécessaires sont autorisés.',
  noteGpcHonoured: 'Global Privacy Control respecté.',
  noteOptOut:
    'Dans votre région{region}, le régime d’opposition s’applique : les cookies facultatifs sont actifs jusqu’à ce que vous les refusiez sous « Vos choix de confidentialité »{gpc}.',
  noteDecided: 'Choix fait le {at}, valable jusqu’au {until}{gpc}.',
  gpcHonoured: ' (Global Privacy Control respecté)',
  gpcOverride: ' (vous avez choisi de passer outre Global Privacy Control pour {categories})',
  trackResult: 'Cookies de démo dans ce navigateur : {cookies}',
  none: 'aucun',
  navHome: 'Accueil',
  navAccount: 'Compte',
  navSignIn: 'Se connecter',
  navAdmin: 'Administration',
  navCookieSettings: 'Paramètres des cookies',
  signedInAs: 'Connecté en tant que {name}',
  notSignedIn: 'Non connecté',
};

const es: DemoPageTexts = {
  title: 'Inicio · demo de nestjs-auth-consent',
  navLabel: 'Menú principal',
  heading: 'Demo de nestjs-auth-consent',
  intro:
    'Este sitio no instala ninguna cookie no esencial sin su consentimiento. El servidor lo garantiza: el control de consentimiento elimina toda cookie declarada de una categoría que usted no haya aceptado, haga lo que haga el código de la aplicación.',
  yourConsent: 'Su consentimiento',
  colCategory: 'Categoría',
  colState: 'Estado',
  colUse: 'Qué hace la demo con ella',
  tryGate: 'Probar el control',
  trackIntro: '{track} intenta instalar {theme}, {analytics} y {ads} en cada llamada.',
  trackButton: 'Llamar a /demo/track',
  more: 'Más',
  apiDocs: 'Documentación de la API (OpenAPI)',
  health: 'Estado del servicio',
  granted: 'aceptada',
  refused: 'rechazada',
  undecided: 'sin decidir (desactivada)',
  necessaryUse: 'mantiene su sesión iniciada y recuerda esta elección',
  mayUse: 'puede instalar {cookies}',
  noCookie: 'ninguna cookie',
  noteUndecided: 'Aún no ha decidido: solo se permiten las cookies estrictamente necesarias.',
  noteGpcHonoured: 'Se respeta Global Privacy Control.',
  noteOptOut:
    'En su región{region} se aplica el régimen de exclusión voluntaria: las cookies opcionales están activas hasta que las rechace en «Sus opciones de privacidad»{gpc}.',
  noteDecided: 'Decidido el {at}, válido hasta el {until}{gpc}.',
  gpcHonoured: ' (se respeta Global Privacy Control)',
  gpcOverride: ' (eligió anular Global Privacy Control para {categories})',
  trackResult: 'Cookies de la demo en este navegador: {cookies}',
  none: 'ninguna',
  navHome: 'Inicio',
  navAccount: 'Cuenta',
  navSignIn: 'Iniciar sesión',
  navAdmin: 'Administración',
  navCookieSettings: 'Configuración de cookies',
  signedInAs: 'Sesión iniciada como {name}',
  notSignedIn: 'Sin sesión iniciada',
};

const it: DemoPageTexts = {
  title: 'Home · demo di nestjs-auth-consent',
  navLabel: 'Menu principale',
  heading: 'Demo di nestjs-auth-consent',
  intro:
    'Questo sito non imposta alcun cookie non essenziale senza il tuo consenso. È il server a garantirlo: il controllo del consenso rimuove ogni cookie dichiarato di una categoria che non hai accettato, qualunque cosa faccia il codice dell’applicazione.',
  yourConsent: 'Il tuo consenso',
  colCategory: 'Categoria',
  colState: 'Stato',
  colUse: 'Che cosa ne fa la demo',
  tryGate: 'Prova il controllo',
  trackIntro: '{track} prova a impostare {theme}, {analytics} e {ads} a ogni chiamata.',
  trackButton: 'Chiama /demo/track',
  more: 'Altro',
  apiDocs: 'Documentazione dell’API (OpenAPI)',
  health: 'Stato del servizio',
  granted: 'accettato',
  refused: 'rifiutato',
  undecided: 'non ancora scelto (disattivato)',
  necessaryUse: 'mantiene l’accesso e ricorda questa scelta',
  mayUse: 'può impostare {cookies}',
  noCookie: 'nessun cookie',
  noteUndecided: 'Non hai ancora scelto: sono ammessi solo i cookie strettamente necessari.',
  noteGpcHonoured: 'Global Privacy Control rispettato.',
  noteOptOut:
    'Nella tua regione{region} vale il regime di opposizione: i cookie facoltativi sono attivi finché non li rifiuti in «Le tue scelte sulla privacy»{gpc}.',
  noteDecided: 'Scelta fatta il {at}, valida fino al {until}{gpc}.',
  gpcHonoured: ' (Global Privacy Control rispettato)',
  gpcOverride: ' (hai scelto di non applicare Global Privacy Control per {categories})',
  trackResult: 'Cookie della demo ora in questo browser: {cookies}',
  none: 'nessuno',
  navHome: 'Home',
  navAccount: 'Account',
  navSignIn: 'Accedi',
  navAdmin: 'Amministrazione',
  navCookieSettings: 'Impostazioni dei cookie',
  signedInAs: 'Accesso effettuato come {name}',
  notSignedIn: 'Accesso non effettuato',
};

const nl: DemoPageTexts = {
  title: 'Start · nestjs-auth-consent-demo',
  navLabel: 'Hoofdmenu',
  heading: 'nestjs-auth-consent-demo',
  intro:
    'Deze website plaatst geen niet-noodzakelijke cookie zonder uw toestemming. De server dwingt dat af: de toestemmingscontrole verwijdert elke gedeclareerde cookie van een categorie waarvoor u geen toestemming hebt gegeven, wat de code van de applicatie ook doet.',
  yourConsent: 'Uw toestemming',
  colCategory: 'Categorie',
  colState: 'Status',
  colUse: 'Wat de demo ermee doet',
  tryGate: 'De controle uitproberen',
  trackIntro: '{track} probeert bij elke aanroep {theme}, {analytics} en {ads} te plaatsen.',
  trackButton: '/demo/track aanroepen',
  more: 'Meer',
  apiDocs: 'API-documentatie (OpenAPI)',
  health: 'Systeemstatus',
  granted: 'toegestaan',
  refused: 'geweigerd',
  undecided: 'nog niet gekozen (uit)',
  necessaryUse: 'houdt u aangemeld en onthoudt deze keuze',
  mayUse: 'mag {cookies} plaatsen',
  noCookie: 'geen cookie',
  noteUndecided: 'U hebt nog geen keuze gemaakt: alleen strikt noodzakelijke cookies zijn toegestaan.',
  noteGpcHonoured: 'Global Privacy Control wordt gerespecteerd.',
  noteOptOut:
    'In uw regio{region} geldt een opt-outregeling: optionele cookies staan aan totdat u ze weigert onder ‘Uw privacykeuzes’{gpc}.',
  noteDecided: 'Gekozen op {at}, geldig tot {until}{gpc}.',
  gpcHonoured: ' (Global Privacy Control wordt gerespecteerd)',
  gpcOverride: ' (u hebt ervoor gekozen Global Privacy Control te negeren voor {categories})',
  trackResult: 'Democookies nu in deze browser: {cookies}',
  none: 'geen',
  navHome: 'Start',
  navAccount: 'Account',
  navSignIn: 'Aanmelden',
  navAdmin: 'Beheer',
  navCookieSettings: 'Cookie-instellingen',
  signedInAs: 'Aangemeld als {name}',
  notSignedIn: 'Niet aangemeld',
};

const pl: DemoPageTexts = {
  title: 'Strona główna · demo nestjs-auth-consent',
  navLabel: 'Menu główne',
  heading: 'Demo nestjs-auth-consent',
  intro:
    'Ta witryna nie zapisuje żadnego zbędnego pliku cookie bez Twojej zgody. Pilnuje tego serwer: kontrola zgody usuwa każdy zadeklarowany plik cookie z kategorii, na którą się nie zgodzono, niezależnie od tego, co robi kod aplikacji.',
  yourConsent: 'Twoja zgoda',
  colCategory: 'Kategoria',
  colState: 'Stan',
  colUse: 'Do czego demo jej używa',
  tryGate: 'Wypróbuj kontrolę',
  trackIntro: '{track} przy każdym wywołaniu próbuje zapisać {theme}, {analytics} i {ads}.',
  trackButton: 'Wywołaj /demo/track',
  more: 'Więcej',
  apiDocs: 'Dokumentacja API (OpenAPI)',
  health: 'Stan usługi',
  granted: 'wyrażona',
  refused: 'odmówiona',
  undecided: 'bez decyzji (wyłączone)',
  necessaryUse: 'utrzymuje zalogowanie i zapamiętuje ten wybór',
  mayUse: 'może zapisać {cookies}',
  noCookie: 'żadnego pliku cookie',
  noteUndecided: 'Nie podjęto jeszcze decyzji: dozwolone są tylko niezbędne pliki cookie.',
  noteGpcHonoured: 'Sygnał Global Privacy Control jest respektowany.',
  noteOptOut:
    'W Twoim regionie{region} obowiązuje zasada sprzeciwu: opcjonalne pliki cookie są włączone, dopóki ich nie odrzucisz w „Twoich wyborach dotyczących prywatności”{gpc}.',
  noteDecided: 'Decyzja z {at}, ważna do {until}{gpc}.',
  gpcHonoured: ' (sygnał Global Privacy Control jest respektowany)',
  gpcOverride: ' (zdecydowano pominąć Global Privacy Control dla: {categories})',
  trackResult: 'Pliki cookie demo w tej przeglądarce: {cookies}',
  none: 'brak',
  navHome: 'Strona główna',
  navAccount: 'Konto',
  navSignIn: 'Zaloguj się',
  navAdmin: 'Administracja',
  navCookieSettings: 'Ustawienia plików cookie',
  signedInAs: 'Zalogowano jako {name}',
  notSignedIn: 'Nie zalogowano',
};

const pt: DemoPageTexts = {
  title: 'Início · demonstração do nestjs-auth-consent',
  navLabel: 'Menu principal',
  heading: 'Demonstração do nestjs-auth-consent',
  intro:
    'Este site não define nenhum cookie não essencial sem o seu acordo. É o servidor que o garante: o controlo de consentimento remove todos os cookies declarados de uma categoria que não aceitou, faça o código da aplicação o que fizer.',
  yourConsent: 'O seu consentimento',
  colCategory: 'Categoria',
  colState: 'Estado',
  colUse: 'O que a demonstração faz com ela',
  tryGate: 'Experimentar o controlo',
  trackIntro: '{track} tenta definir {theme}, {analytics} e {ads} em cada chamada.',
  trackButton: 'Chamar /demo/track',
  more: 'Mais',
  apiDocs: 'Documentação da API (OpenAPI)',
  health: 'Estado do serviço',
  granted: 'aceite',
  refused: 'recusado',
  undecided: 'por decidir (desativado)',
  necessaryUse: 'mantém a sua sessão iniciada e memoriza esta escolha',
  mayUse: 'pode definir {cookies}',
  noCookie: 'nenhum cookie',
  noteUndecided: 'Ainda não decidiu: só são permitidos os cookies estritamente necessários.',
  noteGpcHonoured: 'Global Privacy Control respeitado.',
  noteOptOut:
    'Na sua região{region} aplica-se o regime de oposição: os cookies opcionais estão ativos até os recusar em «As suas escolhas de privacidade»{gpc}.',
  noteDecided: 'Decidido em {at}, válido até {until}{gpc}.',
  gpcHonoured: ' (Global Privacy Control respeitado)',
  gpcOverride: ' (optou por não aplicar o Global Privacy Control a {categories})',
  trackResult: 'Cookies da demonstração neste navegador: {cookies}',
  none: 'nenhum',
  navHome: 'Início',
  navAccount: 'Conta',
  navSignIn: 'Iniciar sessão',
  navAdmin: 'Administração',
  navCookieSettings: 'Preferências de cookies',
  signedInAs: 'Sessão iniciada como {name}',
  notSignedIn: 'Sessão não iniciada',
};

export const DEMO_PAGE_TEXTS: Readonly<Record<string, DemoPageTexts>> = { en, de, fr, es, it, nl, pl, pt };
