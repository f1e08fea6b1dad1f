/**
 * The banner's and the preferences dialog's own strings, built in for eight languages. They are served in
 * `GET /consent/config` (`ui`) for the language shown and enter that language's text hash: a receipt proves the
 * buttons and notices the person read as well as the category texts. Apps override any of them per language
 * (`consent.ui`, `consent.translations[<lang>].ui`). `{categories}` and `{category}` are filled in by the banner
 * with category names in the same language.
 */
export interface ConsentUiTexts {
  /** Accessible name of the banner region. */
  bannerLabel: string;
  /** The banner's text; `{categories}` is the list of optional category names. */
  bannerText: string;
  /** The link to `data-policy-url` / `policyUrl`. */
  policyLink: string;
  acceptAll: string;
  rejectAll: string;
  /** Opens the preferences dialog. */
  customise: string;
  dialogTitle: string;
  dialogIntro: string;
  /** After a required category's name. */
  alwaysOn: string;
  /** Caption of a category's cookie table; `{category}` is its name. */
  cookiesIn: string;
  cookieColumn: string;
  purposeColumn: string;
  durationColumn: string;
  providerColumn: string;
  save: string;
  withdraw: string;
  close: string;
  /** Shown while the browser sends `Sec-GPC: 1`; `{categories}` is the list of `gpcOptOut` category names. */
  gpcNotice: string;
  /** Next to a `gpcOptOut` category while the signal is on; `{category}` is its name. */
  gpcConflict: string;
  /** Accessible name of the opt-out rules' link area. */
  choicesLabel: string;
  /** The opt-out rules' link ("Your privacy choices"). */
  choicesLink: string;
  saveError: string;
}

export type ConsentUiKey = keyof ConsentUiTexts;

/** The placeholders a text must keep (an override without them would drop the names the person needs). */
export const CONSENT_UI_PLACEHOLDERS: Partial<Record<ConsentUiKey, string>> = {
  bannerText: '{categories}',
  cookiesIn: '{category}',
  gpcNotice: '{categories}',
  gpcConflict: '{category}',
};

const en: ConsentUiTexts = {
  bannerLabel: 'Cookie consent',
  bannerText:
    'We use cookies that are strictly necessary for this site to work. With your consent we also use cookies in these categories: {categories}. You can change your choice at any time.',
  policyLink: 'Cookie policy',
  acceptAll: 'Accept all',
  rejectAll: 'Reject all',
  customise: 'Customise',
  dialogTitle: 'Cookie settings',
  dialogIntro:
    'Choose which kinds of cookies this site may use. Strictly necessary cookies are always on. Your choice applies until you change it here.',
  alwaysOn: '(always on)',
  cookiesIn: 'Cookies in {category}',
  cookieColumn: 'Cookie',
  purposeColumn: 'Purpose',
  durationColumn: 'Duration',
  providerColumn: 'Provider',
  save: 'Save choices',
  withdraw: 'Withdraw consent',
  close: 'Close',
  gpcNotice:
    'Your browser sends a Global Privacy Control signal. We honour it: {categories} (sale or sharing of your data) stays off, even if you accept all.',
  gpcConflict:
    'Your browser asks this site not to sell or share your data (Global Privacy Control), so {category} is off. Turning it on overrides that signal for this site; we record that you chose to.',
  choicesLabel: 'Privacy choices',
  choicesLink: 'Your privacy choices: do not sell or share my personal information',
  saveError: 'Your choice could not be saved. Please try again.',
};

const de: ConsentUiTexts = {
  bannerLabel: 'Einwilligung zu Cookies',
  bannerText:
    'Wir verwenden Cookies, die für den Betrieb dieser Website unbedingt erforderlich sind. Mit Ihrer Einwilligung verwenden wir außerdem Cookies dieser Kategorien: {categories}. Sie können Ihre Wahl jederzeit ändern.',
  policyLink: 'Cookie-Richtlinie',
  acceptAll: 'Alle akzeptieren',
  rejectAll: 'Alle ablehnen',
  customise: 'Anpassen',
  dialogTitle: 'Cookie-Einstellungen',
  dialogIntro:
    'Wählen Sie, welche Arten von Cookies diese Website verwenden darf. Unbedingt erforderliche Cookies sind immer aktiv. Ihre Wahl gilt, bis Sie sie hier ändern.',
  alwaysOn: '(immer aktiv)',
  cookiesIn: 'Cookies der Kategorie {category}',
  cookieColumn: 'Cookie',
  purposeColumn: 'Zweck',
  durationColumn: 'Speicherdauer',
  providerColumn: 'Anbieter',
  save: 'Auswahl speichern',
  withdraw: 'Einwilligung widerrufen',
  close: 'Schließen',
  gpcNotice:
    'Ihr Browser sendet ein Global-Privacy-Control-Signal. Wir beachten es: {categories} (Verkauf oder Weitergabe Ihrer Daten) bleibt deaktiviert, auch wenn Sie alle akzeptieren.',
  gpcConflict:
    'Ihr Browser bittet diese Website, Ihre Daten nicht zu verkaufen oder weiterzugeben (Global Privacy Control), daher ist {category} deaktiviert. Wenn Sie die Kategorie aktivieren, setzen Sie sich für diese Website über das Signal hinweg; wir halten fest, dass Sie das so gewählt haben.',
  choicesLabel: 'Datenschutzoptionen',
  choicesLink: 'Ihre Datenschutzoptionen: meine personenbezogenen Daten nicht verkaufen oder weitergeben',
  saveError: 'Ihre Wahl konnte nicht gespeichert werden. Bitte versuchen Sie es erneut.',
};

const fr: ConsentUiTexts = {
  bannerLabel: 'Consentement aux cookies',
  bannerText:
    'Nous utilisons des cookies strictement nécessaires au fonctionnement de ce site. Avec votre consentement, nous utilisons aussi des cookies des catégories suivantes : {categories}. Vous pouvez modifier votre choix à tout moment.',
  policyLink: 'Politique relative aux cookies',
  acceptAll: 'Tout accepter',
  rejectAll: 'Tout refuser',
  customise: 'Personnaliser',
  dialogTitle: 'Paramètres des cookies',
  dialogIntro:
    'Choisissez les types de cookies que ce site peut utiliser. Les cookies strictement nécessaires sont toujours actifs. Votre choix s’applique jusqu’à ce que vous le modifiiez ici.',
  alwaysOn: '(toujours actifs)',
  cookiesIn: 'Cookies de la catégorie {category}',
  cookieColumn: 'Cookie',
  purposeColumn: 'Finalité',
  durationColumn: 'Durée',
  providerColumn: 'Fournisseur',
  save: 'Enregistrer mes choix',
  withdraw: 'Retirer mon consentement',
  close: 'Fermer',
  gpcNotice:
    'Votre navigateur envoie un signal Global Privacy Control. Nous le respectons : {categories} (vente ou partage de vos données) reste désactivé, même si vous acceptez tout.',
  gpcConflict:
    'Votre navigateur demande à ce site de ne pas vendre ni partager vos données (Global Privacy Control) ; {category} est donc désactivé. L’activer passe outre ce signal pour ce site ; nous enregistrons que vous l’avez choisi.',
  choicesLabel: 'Choix de confidentialité',
  choicesLink: 'Vos choix de confidentialité : ne pas vendre ni partager mes données personnelles',
  saveError: 'Votre choix n’a pas pu être enregistré. Veuillez réessayer.',
};

const es: ConsentUiTexts = {
  bannerLabel: 'Consentimiento de cookies',
  bannerText:
    'Usamos cookies estrictamente necesarias para que este sitio funcione. Con su consentimiento, también usamos cookies de estas categorías: {categories}. Puede cambiar su elección en cualquier momento.',
  policyLink: 'Política de cookies',
  acceptAll: 'Aceptar todas',
  rejectAll: 'Rechazar todas',
  customise: 'Personalizar',
  dialogTitle: 'Configuración de cookies',
  dialogIntro:
    'Elija qué tipos de cookies puede usar este sitio. Las cookies estrictamente necesarias están siempre activas. Su elección se aplica hasta que la cambie aquí.',
  alwaysOn: '(siempre activas)',
  cookiesIn: 'Cookies de la categoría {category}',
  cookieColumn: 'Cookie',
  purposeColumn: 'Finalidad',
  durationColumn: 'Duración',
  providerColumn: 'Proveedor',
  save: 'Guardar selección',
  withdraw: 'Retirar el consentimiento',
  close: 'Cerrar',
  gpcNotice:
    'Su navegador envía una señal de Global Privacy Control. La respetamos: {categories} (venta o cesión de sus datos) permanece desactivado, aunque acepte todas.',
  gpcConflict:
    'Su navegador pide a este sitio que no venda ni comparta sus datos (Global Privacy Control), por lo que {category} está desactivado. Activarlo anula esa señal para este sitio; registramos que usted lo eligió.',
  choicesLabel: 'Opciones de privacidad',
  choicesLink: 'Sus opciones de privacidad: no vender ni compartir mis datos personales',
  saveError: 'No se pudo guardar su elección. Inténtelo de nuevo.',
};

const it: ConsentUiTexts = {
  bannerLabel: 'Consenso ai cookie',
  bannerText:
    'Usiamo cookie strettamente necessari al funzionamento di questo sito. Con il tuo consenso usiamo anche cookie di queste categorie: {categories}. Puoi modificare la tua scelta in qualsiasi momento.',
  policyLink: 'Informativa sui cookie',
  acceptAll: 'Accetta tutti',
  rejectAll: 'Rifiuta tutti',
  customise: 'Personalizza',
  dialogTitle: 'Impostazioni dei cookie',
  dialogIntro:
    'Scegli quali tipi di cookie questo sito può usare. I cookie strettamente necessari sono sempre attivi. La tua scelta vale finché non la modifichi qui.',
  alwaysOn: '(sempre attivi)',
  cookiesIn: 'Cookie della categoria {category}',
  cookieColumn: 'Cookie',
  purposeColumn: 'Finalità',
  durationColumn: 'Durata',
  providerColumn: 'Fornitore',
  save: 'Salva le scelte',
  withdraw: 'Revoca il consenso',
  close: 'Chiudi',
  gpcNotice:
    'Il tuo browser invia un segnale Global Privacy Control. Lo rispettiamo: {categories} (vendita o condivisione dei tuoi dati) resta disattivato, anche se accetti tutti.',
  gpcConflict:
    'Il tuo browser chiede a questo sito di non vendere né condividere i tuoi dati (Global Privacy Control), quindi {category} è disattivato. Attivarlo prevale su quel segnale per questo sito; registriamo che lo hai scelto tu.',
  choicesLabel: 'Scelte sulla privacy',
  choicesLink: 'Le tue scelte sulla privacy: non vendere né condividere i miei dati personali',
  saveError: 'Non è stato possibile salvare la tua scelta. Riprova.',
};

const nl: ConsentUiTexts = {
  bannerLabel: 'Toestemming voor cookies',
  bannerText:
    'We gebruiken cookies die strikt noodzakelijk zijn om deze website te laten werken. Met uw toestemming gebruiken we ook cookies in deze categorieën: {categories}. U kunt uw keuze op elk moment wijzigen.',
  policyLink: 'Cookiebeleid',
  acceptAll: 'Alles accepteren',
  rejectAll: 'Alles weigeren',
  customise: 'Aanpassen',
  dialogTitle: 'Cookie-instellingen',
  dialogIntro:
    'Kies welke soorten cookies deze website mag gebruiken. Strikt noodzakelijke cookies staan altijd aan. Uw keuze geldt totdat u die hier wijzigt.',
  alwaysOn: '(altijd aan)',
  cookiesIn: 'Cookies in de categorie {category}',
  cookieColumn: 'Cookie',
  purposeColumn: 'Doel',
  durationColumn: 'Bewaartermijn',
  providerColumn: 'Aanbieder',
  save: 'Keuze opslaan',
  withdraw: 'Toestemming intrekken',
  close: 'Sluiten',
  gpcNotice:
    'Uw browser stuurt een Global Privacy Control-signaal. Wij respecteren het: {categories} (verkoop of delen van uw gegevens) blijft uit, ook als u alles accepteert.',
  gpcConflict:
    'Uw browser vraagt deze website uw gegevens niet te verkopen of te delen (Global Privacy Control), daarom staat {category} uit. Als u dit aanzet, gaat u voor deze website aan dat signaal voorbij; we leggen vast dat u daarvoor hebt gekozen.',
  choicesLabel: 'Privacykeuzes',
  choicesLink: 'Uw privacykeuzes: mijn persoonsgegevens niet verkopen of delen',
  saveError: 'Uw keuze kon niet worden opgeslagen. Probeer het opnieuw.',
};

const pl: ConsentUiTexts = {
  bannerLabel: 'Zgoda na pliki cookie',
  bannerText:
    'Używamy plików cookie niezbędnych do działania tej witryny. Za Twoją zgodą używamy też plików cookie z tych kategorii: {categories}. Swój wybór możesz zmienić w każdej chwili.',
  policyLink: 'Polityka plików cookie',
  acceptAll: 'Akceptuj wszystkie',
  rejectAll: 'Odrzuć wszystkie',
  customise: 'Dostosuj',
  dialogTitle: 'Ustawienia plików cookie',
  dialogIntro:
    'Wybierz, jakich rodzajów plików cookie może używać ta witryna. Niezbędne pliki cookie są zawsze włączone. Twój wybór obowiązuje, dopóki go tu nie zmienisz.',
  alwaysOn: '(zawsze włączone)',
  cookiesIn: 'Pliki cookie w kategorii {category}',
  cookieColumn: 'Plik cookie',
  purposeColumn: 'Cel',
  durationColumn: 'Okres przechowywania',
  providerColumn: 'Dostawca',
  save: 'Zapisz wybór',
  withdraw: 'Wycofaj zgodę',
  close: 'Zamknij',
  gpcNotice:
    'Twoja przeglądarka wysyła sygnał Global Privacy Control. Respektujemy go: pliki cookie z kategorii {categories} (sprzedaż lub udostępnianie Twoich danych) pozostają wyłączone, nawet jeśli zaakceptujesz wszystkie.',
  gpcConflict:
    'Twoja przeglądarka prosi tę witrynę, by nie sprzedawała ani nie udostępniała Twoich danych (Global Privacy Control), dlatego pliki cookie z kategorii {category} są wyłączone. Ich włączenie oznacza pominięcie tego sygnału w tej witrynie; odnotujemy, że taki był Twój wybór.',
  choicesLabel: 'Ustawienia prywatności',
  choicesLink: 'Twoje wybory dotyczące prywatności: nie sprzedawaj ani nie udostępniaj moich danych osobowych',
  saveError: 'Nie udało się zapisać Twojego wyboru. Spróbuj ponownie.',
};

/** European Portuguese; override `consent.translations['pt-BR'].ui` for Brazilian wording. */
const pt: ConsentUiTexts = {
  bannerLabel: 'Consentimento de cookies',
  bannerText:
    'Utilizamos cookies estritamente necessários para o funcionamento deste site. Com o seu consentimento, utilizamos também cookies destas categorias: {categories}. Pode alterar a sua escolha a qualquer momento.',
  policyLink: 'Política de cookies',
  acceptAll: 'Aceitar todos',
  rejectAll: 'Rejeitar todos',
  customise: 'Personalizar',
  dialogTitle: 'Preferências de cookies',
  dialogIntro:
    'Escolha que tipos de cookies este site pode utilizar. Os cookies estritamente necessários estão sempre ativos. A sua escolha aplica-se até a alterar aqui.',
  alwaysOn: '(sempre ativos)',
  cookiesIn: 'Cookies da categoria {category}',
  cookieColumn: 'Cookie',
  purposeColumn: 'Finalidade',
  durationColumn: 'Duração',
  providerColumn: 'Fornecedor',
  save: 'Guardar escolhas',
  withdraw: 'Retirar consentimento',
  close: 'Fechar',
  gpcNotice:
    'O seu navegador envia um sinal Global Privacy Control. Respeitamo-lo: {categories} (venda ou partilha dos seus dados) continua desativado, mesmo que aceite todos.',
  gpcConflict:
    'O seu navegador pede a este site que não venda nem partilhe os seus dados (Global Privacy Control), por isso {category} está desativado. Ativá-lo sobrepõe-se a esse sinal neste site; registamos que foi essa a sua escolha.',
  choicesLabel: 'Escolhas de privacidade',
  choicesLink: 'As suas escolhas de privacidade: não vender nem partilhar os meus dados pessoais',
  saveError: 'Não foi possível guardar a sua escolha. Tente novamente.',
};

/** The built-in languages, by primary language subtag. */
export const BUILT_IN_UI_TEXTS: Readonly<Record<string, Readonly<ConsentUiTexts>>> = { en, de, fr, es, it, nl, pl, pt };

export const CONSENT_UI_KEYS = Object.keys(en) as ConsentUiKey[];

/** The built-in texts of a language tag (`de-AT` finds `de`), or undefined when none is built in. */
export function builtInUiTexts(tag: string): Readonly<ConsentUiTexts> | undefined {
  const lower = tag.toLowerCase();
  return BUILT_IN_UI_TEXTS[lower] ?? BUILT_IN_UI_TEXTS[lower.split('-')[0]];
}
