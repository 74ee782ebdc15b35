// Package people is who the provider simulators (tdsim, belvosim,
// palencasim) know: one scenario per CURP, the same in each simulator, so
// that `make run`, the tests and the README's examples agree on what each
// CURP gives.
package people

// Scenario is what asking about a person gives.
type Scenario string

// The scenarios, each with its CURP (see Known).
const (
	Rich         Scenario = "rich-history"   // four jobs, one current, with salary changes
	Unemployed   Scenario = "unemployed"     // jobs that all ended
	CURPNotFound Scenario = "curp-not-found" // RENAPO has no such CURP
	NSSNotFound  Scenario = "nss-not-found"  // IMSS has no such NSS
	DailyLimit   Scenario = "daily-limit"    // IMSS's three a day are spent
	TDDown       Scenario = "td-down"        // TD is unavailable; Palenca and Belvo answer
	AllDown      Scenario = "all-down"       // every provider is unavailable
	NoWebhook    Scenario = "no-webhook"     // the result is never pushed: polling finds it
	TamperedPush Scenario = "tampered-push"  // TD's push claims more than its query confirms
	Typical      Scenario = "typical"        // any other valid CURP: one current job
)

// Person is a simulated person: what IMSS knows of them.
type Person struct {
	Scenario Scenario
	CURP     string
	NSS      string
	Name     string
	// Weeks contributed, discounted and reinstated.
	Contributed, Discounted, Reinstated int
	Jobs                                []Job // newest first
}

// Job is one employment registered with IMSS.
type Job struct {
	Employer     string
	Registration string
	State        string
	Start        string // YYYY-MM-DD
	End          string // YYYY-MM-DD, "" while current
	DailySalary  string // pesos and centavos: "412.08"
	Movements    []Movement
}

// Movement is one notice the employer filed, in the words of TD's 002.
type Movement struct {
	Type   string // Alta, Baja, Reingreso, Modificación de salario, Cambios de jornada laboral
	Date   string // YYYY-MM-DD
	Salary string
}

// Known lists the scenario people, one per scenario but Typical.
var Known = []Person{
	{
		Scenario: Rich, CURP: "ROMA880315MDFDRR07", NSS: "92139110743", Name: "MARIA RODRIGUEZ DORANTES",
		Contributed: 512, Discounted: 12, Reinstated: 4,
		Jobs: []Job{
			{Employer: "LEVDOS", Registration: "Z065861410", State: "GUANAJUATO", Start: "2023-03-16", DailySalary: "612.40", Movements: []Movement{
				{"Alta", "2023-03-16", "540.00"}, {"Cambios de jornada laboral", "2023-09-01", "540.00"}, {"Modificación de salario", "2024-02-01", "612.40"},
			}},
			{Employer: "DERIVADORA DE SERVICIOS PROFESIONALES, S.A. DE C.V.", Registration: "Y623742910", State: "DISTRITO FEDERAL",
				Start: "2020-05-01", End: "2023-03-15", DailySalary: "373.63", Movements: []Movement{
					{"Alta", "2020-05-01", "300.00"}, {"Modificación de salario", "2022-01-01", "373.63"}, {"Baja", "2023-03-15", "373.63"},
				}},
			{Employer: "CAPITAL ARRECIFE", Registration: "C417112210", State: "MÉXICO", Start: "2017-02-06", End: "2020-04-17", DailySalary: "334.26", Movements: []Movement{
				{"Alta", "2017-02-06", "280.00"}, {"Baja", "2018-06-30", "280.00"}, {"Reingreso", "2018-09-03", "310.50"}, {"Baja", "2020-04-17", "334.26"},
			}},
			{Employer: "HOOTERS DE MEXICO", Registration: "Y640055210", State: "DISTRITO FEDERAL", Start: "2012-11-21", End: "2016-12-22", DailySalary: "244.25"},
		},
	},
	{
		Scenario: Unemployed, CURP: "SALJ750622HJCNPN01", NSS: "45128801235", Name: "JUAN SALAZAR NUÑEZ",
		Contributed: 830, Discounted: 35,
		Jobs: []Job{
			{Employer: "MANUFACTURAS DEL BAJIO SA DE CV", Registration: "B112334410", State: "JALISCO", Start: "2015-01-12", End: "2023-08-31", DailySalary: "455.10"},
			{Employer: "TRANSPORTES GARCIA", Registration: "T990112310", State: "JALISCO", Start: "2009-04-01", End: "2014-12-19", DailySalary: "298.00"},
		},
	},
	{Scenario: CURPNotFound, CURP: "NOEX900101HNENNN04"},
	{Scenario: NSSNotFound, CURP: "NSSX910202MMCLSS00", NSS: "01987654322"},
	{Scenario: DailyLimit, CURP: "LIMT920303HGTMTM08"},
	{Scenario: TDDown, CURP: "CAID930404MCHDNN08", NSS: "55667788990", Name: "DANIELA CASTILLO IBARRA", Contributed: 140,
		Jobs: []Job{{Employer: "SERVICIOS NORTEÑOS", Registration: "N554433210", State: "CHIHUAHUA", Start: "2022-01-10", DailySalary: "389.90"}}},
	{Scenario: AllDown, CURP: "TODO960707HOCDWN09"},
	{Scenario: NoWebhook, CURP: "SILE940505HVZLNN06", NSS: "77889900112", Name: "LEONARDO SILVA ESPINOSA", Contributed: 260,
		Jobs: []Job{{Employer: "PUERTO DE VERACRUZ LOGISTICA", Registration: "V220011810", State: "VERACRUZ", Start: "2019-07-01", DailySalary: "420.00"}}},
	{Scenario: TamperedPush, CURP: "TAMP950606MSLMPR04", NSS: "33445566772", Name: "PAOLA TAMEZ PRIETO", Contributed: 180,
		Jobs: []Job{{Employer: "FARMACIAS DEL PACIFICO", Registration: "F778899010", State: "SINALOA", Start: "2021-05-03", DailySalary: "310.00"}}},
}

// Find returns the person with curp: a scenario's, or for any other CURP
// the Typical person, with one current job.
func Find(curp string) Person {
	for _, p := range Known {
		if p.CURP == curp {
			return p
		}
	}
	return Person{Scenario: Typical, CURP: curp, Name: "PERSONA DE PRUEBA", Contributed: 95,
		Jobs: []Job{{Employer: "COMERCIALIZADORA DE PRUEBA SA DE CV", Registration: "P000000010", State: "CIUDAD DE MÉXICO", Start: "2022-06-01", DailySalary: "350.00"}}}
}

// Answers reports whether the provider answers requests about p; false
// when the scenario has it down.
func (p Person) Answers(provider string) bool {
	return p.Scenario != AllDown && !(p.Scenario == TDDown && provider == "td")
}

// Pushed reports whether a provider tells us of p's result with a webhook.
func (p Person) Pushed() bool { return p.Scenario != NoWebhook }
