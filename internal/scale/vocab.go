package scale

import (
	"fmt"
	"strings"
)

// Word lists for names, titles and form values. None holds a '?': the generator's SQL passes bun
// arguments, and bun would take a '?' inside a literal for a placeholder (checked in init).
var (
	firstNames = []string{"Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna",
		"Elżbieta", "Magdalena", "Joanna", "Zofia", "Monika", "Teresa", "Natalia", "Piotr", "Krzysztof", "Andrzej",
		"Tomasz", "Paweł", "Jan", "Michał", "Marcin", "Stanisław", "Jakub", "Adam", "Marek", "Łukasz", "Grzegorz",
		"Mateusz", "Wojciech", "Mariusz", "Dariusz", "Zbigniew", "Kamil"}
	lastNames = []string{"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
		"Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski",
		"Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Nowicki", "Adamczyk",
		"Dudek", "Zając", "Wieczorek", "Jabłoński", "Król", "Majewski", "Olszewski", "Jaworski", "Wróbel",
		"Malinowski", "Pawlak", "Witkowski", "Walczak", "Stępień", "Górski", "Rutkowski", "Michalak"}
	departments = []string{"Sprzedaż", "Kadry", "Księgowość", "IT", "Logistyka", "Marketing", "Zakupy", "Produkcja",
		"Obsługa klienta", "Dział prawny", "Administracja", "Kontrola jakości", "Magazyn", "Serwis"}
	cities  = []string{"Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Szczecin", "Bydgoszcz", "Lublin", "Katowice"}
	streets = []string{"Marszałkowska", "Długa", "Polna", "Leśna", "Słoneczna", "Krótka", "Szkolna", "Ogrodowa",
		"Lipowa", "Kościuszki", "Mickiewicza", "Sienkiewicza", "Piłsudskiego", "Kolejowa"}
	educations = []string{"wyższe magisterskie", "wyższe inżynierskie", "wyższe licencjackie", "średnie techniczne",
		"średnie ogólnokształcące", "zasadnicze zawodowe", "policealne"}
	jobs = []string{"5 lat w handlu detalicznym", "3 lata jako księgowa w biurze rachunkowym",
		"specjalista ds. logistyki, 7 lat", "programista, 4 lata w software house", "praktyki w dziale kadr",
		"kierownik zmiany w zakładzie produkcyjnym, 6 lat", "brak doświadczenia zawodowego",
		"asystent zarządu, 2 lata", "przedstawiciel handlowy, 8 lat"}
	decisions      = []string{"Zatrudnić", "Odrzucić", "Zaprosić na drugą rozmowę", "Wstrzymać rekrutację"}
	justifications = []string{"Awans na stanowisko starszego specjalisty", "Wyrównanie do stawek rynkowych",
		"Przejęcie dodatkowych obowiązków", "Wyniki oceny rocznej", "Zmiana zakresu odpowiedzialności",
		"Ukończenie certyfikacji zawodowej", "Utrzymanie kluczowego pracownika"}
	subjects = []string{"Awaria drukarki", "Brak dostępu do poczty", "Reklamacja dostawy", "Wymiana sprzętu",
		"Instalacja oprogramowania", "Nieprawidłowa faktura", "Zgłoszenie usterki klimatyzacji", "Prośba o wycenę",
		"Problem z logowaniem", "Uszkodzony towar", "Przegląd okresowy urządzenia", "Zmiana danych kontaktowych"}
	sentences = []string{"Proszę o pilną weryfikację sprawy.", "Klient zgłosił problem telefonicznie.",
		"Sprawa dotyczy umowy zawartej w ubiegłym kwartale.", "W załączeniu przesyłam dokumentację zdjęciową.",
		"Termin realizacji uzgodniono na koniec miesiąca.", "Wymagana jest akceptacja kierownika działu.",
		"Koszty pokrywa dział zgłaszający.", "Problem występuje od kilku dni i utrudnia pracę zespołu.",
		"Po konsultacji z działem prawnym nie ma przeciwwskazań.", "Prosimy o kontakt z osobą zgłaszającą.",
		"Dokument wymaga podpisu obu stron.", "Zgodnie z procedurą przekazano do dalszej obsługi.",
		"Uwagi zostały uwzględnione w nowej wersji.", "Ustalono harmonogram prac na najbliższe tygodnie."}
	docKinds = []string{"Umowa", "Aneks do umowy", "Faktura VAT", "Protokół odbioru", "Notatka służbowa",
		"Oferta handlowa", "Zamówienie", "Pełnomocnictwo", "Wniosek urlopowy", "Raport miesięczny", "Pismo przychodzące",
		"Korekta faktury"}
	unitKinds = []string{"Zarząd", "Pion", "Departament", "Dział", "Zespół", "Sekcja", "Stanowisko"}
	companies = []string{"Alfa", "Beta", "Gamma", "Delta", "Orion", "Vistula", "Polmet", "Transbud", "Agrotech",
		"Medicor", "Elbud", "Infosys", "Marpol", "Kamtrans", "Dombud", "Energo", "Hydrex", "Termex", "Budimex", "Optima"}
	companyForms = []string{"Sp. z o.o.", "S.A.", "Sp. j.", "Sp. k."}
)

func init() {
	for _, list := range [][]string{firstNames, lastNames, departments, cities, streets, educations, jobs, decisions,
		justifications, subjects, sentences, docKinds, unitKinds, companies, companyForms} {
		for _, w := range list {
			if strings.ContainsAny(w, "?'") {
				panic(fmt.Sprintf("scale: word %q holds a '?' or a quote", w))
			}
		}
	}
}

// arrayLit is a SQL text array literal of words (checked by init to need no escaping).
func arrayLit(words []string) string {
	return "ARRAY['" + strings.Join(words, "','") + "']"
}

// pick is a SQL expression choosing one of words at random.
func pick(words []string) string {
	return fmt.Sprintf("(%s)[1 + floor(random() * %d)::int]", arrayLit(words), len(words))
}

// decimal is a SQL expression for a random decimal string in [lo, hi) with two places.
func decimal(lo, hi int) string {
	return fmt.Sprintf("round((%d + random() * %d)::numeric, 2)::text", lo, hi-lo)
}
